import { fbtraceId } from '../../core/ids.js';
import type { ApiError } from '../../core/errors.js';

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

/** The one writer of Graph's error envelope. */
export function renderGraphError(err: ApiError): GraphErrorBody {
  const { spec, details } = err;
  return {
    error: {
      message: spec.message,
      type: spec.type,
      code: spec.code,
      ...(spec.subcode !== undefined && { error_subcode: spec.subcode }),
      ...(spec.userTitle !== undefined && { error_user_title: spec.userTitle }),
      ...(spec.userMessage !== undefined && { error_user_msg: spec.userMessage }),
      ...(details !== undefined && { error_data: { messaging_product: 'whatsapp' as const, details } }),
      fbtrace_id: fbtraceId(),
    },
  };
}
