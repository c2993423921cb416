import { httpJson, joinUrl, type HttpRequest } from './http.js';
import { graphError } from './remote-error.js';

/** The WhatsAppBusinessPhoneNumber fields the control plane reads (api-facts B.1). */
export interface PhoneNumberFields {
  id: string;
  display_phone_number?: string;
  country_dial_code?: string;
  verified_name?: string;
  name_status?: string;
  new_name_status?: string;
  quality_rating?: string;
  platform_type?: 'CLOUD_API' | 'ON_PREMISE' | 'NOT_APPLICABLE' | string;
  status?: string;
  code_verification_status?: string;
  is_official_business_account?: boolean;
  is_pin_enabled?: boolean;
  is_on_biz_app?: boolean;
  throughput?: { level: string };
  health_status?: { can_send_message: string; entities?: { entity_type: string; can_send_message: string; errors?: { error_code: number; error_description: string }[] }[] };
  certificate?: string;
}

export const PHONE_FACT_FIELDS = [
  'display_phone_number',
  'country_dial_code',
  'verified_name',
  'name_status',
  'new_name_status',
  'quality_rating',
  'platform_type',
  'status',
  'code_verification_status',
  'is_official_business_account',
  'is_pin_enabled',
  'is_on_biz_app',
  'throughput',
  'health_status',
] as const;

export interface SubscribedApp {
  whatsapp_business_api_data?: { id: string; name?: string };
}

export interface SendResult {
  messages?: { id: string }[];
}

interface Paged<T> {
  data: T[];
  paging?: { cursors?: { after?: string }; next?: string };
}

/** Typed Graph calls (node's HTTP client, keep-alive). Every non-2xx answer throws a RemoteError. */
export class GraphClient {
  constructor(
    private readonly baseUrl: string,
    private readonly version: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  getNumber(id: string, fields: readonly string[] = PHONE_FACT_FIELDS): Promise<PhoneNumberFields> {
    return this.call<PhoneNumberFields>('GET', `${id}?fields=${fields.join(',')}`);
  }

  async certificate(id: string): Promise<string> {
    const { certificate } = await this.call<{ certificate?: string }>('GET', `${id}?fields=certificate`);
    if (!certificate) throw graphError(200, { error: { message: 'no certificate field in the answer' } }, `GET /${id}?fields=certificate`);
    return certificate;
  }

  /** Every phone-number id in a WABA (follows the `after` cursor). */
  async wabaNumberIds(wabaId: string): Promise<string[]> {
    return (await this.all<{ id: string }>(`${wabaId}/phone_numbers?fields=id&limit=100`)).map((n) => n.id);
  }

  register(id: string, pin: string, backup?: { password: string; data: string }): Promise<{ success: boolean }> {
    return this.call('POST', `${id}/register`, { messaging_product: 'whatsapp', pin, ...(backup && { backup }) });
  }

  async subscribedApps(wabaId: string): Promise<SubscribedApp[]> {
    return (await this.call<{ data: SubscribedApp[] }>('GET', `${wabaId}/subscribed_apps`)).data;
  }

  /** Subscribes the token's app to the WABA's webhooks; repeating it is harmless. */
  subscribeApp(wabaId: string): Promise<{ success: boolean }> {
    return this.call('POST', `${wabaId}/subscribed_apps`);
  }

  /** Seed 004 step 2: the destination WABA claims a number registered in another WABA. */
  migrateNumber(destinationWabaId: string, cc: string, phoneNumber: string): Promise<{ id: string }> {
    return this.call('POST', `${destinationWabaId}/phone_numbers`, { cc, phone_number: phoneNumber, migrate_phone_number: true });
  }

  /** Sets (or changes) the two-step PIN, turning two-step verification on (api-facts B.8). */
  setPin(id: string, pin: string): Promise<{ success: boolean }> {
    return this.call('POST', id, { pin });
  }

  requestCode(id: string, codeMethod: 'SMS' | 'VOICE', language: string): Promise<{ success: boolean }> {
    return this.call('POST', `${id}/request_code`, { code_method: codeMethod, language });
  }

  verifyCode(id: string, code: string): Promise<{ success: boolean }> {
    return this.call('POST', `${id}/verify_code`, { code });
  }

  sendMessage(id: string, payload: Record<string, unknown>): Promise<SendResult> {
    return this.call('POST', `${id}/messages`, { messaging_product: 'whatsapp', ...payload });
  }

  /** Template statuses of a WABA (capped at `maxPages` pages of 100: enough to judge capacity). */
  async templateStatuses(wabaId: string, maxPages = 5): Promise<string[]> {
    return (await this.all<{ status: string }>(`${wabaId}/message_templates?fields=status&limit=100`, maxPages)).map((t) => t.status);
  }

  private async all<T>(first: string, maxPages = 1000): Promise<T[]> {
    const out: T[] = [];
    let path: string | undefined = first;
    for (let page = 0; path !== undefined && page < maxPages; page++) {
      const res: Paged<T> = await this.call<Paged<T>>('GET', path);
      out.push(...res.data);
      const after = res.paging?.cursors?.after;
      path = res.paging?.next && after ? `${first}&after=${encodeURIComponent(after)}` : undefined;
    }
    return out;
  }

  private async call<T>(method: HttpRequest['method'], path: string, json?: unknown): Promise<T> {
    const call = `${method} /${path.split('?')[0] ?? ''}`;
    const res = await httpJson({
      method,
      url: joinUrl(this.baseUrl, `${this.version}/${path}`),
      headers: { authorization: `Bearer ${this.token}` },
      json: json ?? (method === 'GET' ? undefined : {}),
      timeoutMs: this.timeoutMs,
      call,
    });
    if (res.status < 200 || res.status >= 300) throw graphError(res.status, res.body, call);
    return res.body as T;
  }
}
