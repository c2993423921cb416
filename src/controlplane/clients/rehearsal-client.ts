import { httpJson, joinUrl, type HttpRequest } from './http.js';
import { graphError, RemoteError } from './remote-error.js';

export interface InboxCode {
  code: string;
  sent_at: number;
  consumed_at: number | null;
}

export interface PlatformMessage {
  id: string;
  wa_id: string;
  direction?: string;
  biz_opaque_callback_data: string | null;
  body: unknown;
}

/**
 * Rehearsal only: the Switchboard platform's emulator API (`/_switchboard/`), standing in for what a
 * person does at Meta — reading the SMS, disabling two-step in WhatsApp Manager — and for checking
 * whether an in-doubt message was in fact sent. Never used against real Meta.
 */
export class RehearsalClient {
  constructor(
    private readonly controlUrl: string,
    private readonly timeoutMs: number,
    /** The platform's control token (`--control-token`); none for an open control API. */
    private readonly token?: string,
  ) {}

  /** Codes "sent" to the number, newest first. */
  async codes(phoneNumberId: string): Promise<InboxCode[]> {
    return (await this.call<{ data: InboxCode[] }>('GET', `code-inbox?phone_number_id=${encodeURIComponent(phoneNumberId)}`)).data;
  }

  /** What WhatsApp Manager's "turn off two-step verification" does. */
  async disableTwoStep(phoneNumberId: string): Promise<void> {
    await this.call('PATCH', `phone-numbers/${encodeURIComponent(phoneNumberId)}`, { two_step_enabled: false });
  }

  async messages(phoneNumberId: string, limit = 500): Promise<PlatformMessage[]> {
    return (await this.call<{ data: PlatformMessage[] }>('GET', `messages?phone_number_id=${encodeURIComponent(phoneNumberId)}&limit=${limit}`)).data;
  }

  private async call<T>(method: HttpRequest['method'], path: string, json?: unknown): Promise<T> {
    const call = `${method} /_switchboard/${path.split('?')[0] ?? ''}`;
    const headers = this.token === undefined ? undefined : { authorization: `Bearer ${this.token}` };
    const res = await httpJson({ method, url: joinUrl(this.controlUrl, path), headers, json, timeoutMs: this.timeoutMs, call });
    if (res.status < 200 || res.status >= 300) {
      const e = graphError(res.status, res.body, call);
      throw new RemoteError('rehearsal', e.httpStatus, e.code, e.subcode, e.message, call);
    }
    return res.body as T;
  }
}
