import { httpJson, joinUrl, type HttpAnswer, type HttpRequest } from './http.js';
import { onpremError, RemoteError } from './remote-error.js';

export type GatewayStatus = 'connected' | 'connecting' | 'disconnected' | 'uninitialized' | 'unregistered' | string;

/**
 * One On-Premises API deployment (`{url}/v1/...`). Logs in with Basic auth on first use and again
 * when the bearer token is refused (tokens expire; a restarted deployment forgets them).
 */
export class OnPremClient {
  private token: string | undefined;
  private loggingIn: Promise<string> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly username: string,
    private readonly password: string,
    private readonly timeoutMs: number,
  ) {}

  async health(): Promise<GatewayStatus> {
    const body = await this.call<{ health?: Record<string, unknown> }>('GET', 'health');
    const health = body.health ?? {};
    // Single instance: {gateway_status}; multi-connect: {"host:container": {gateway_status, role}}.
    if (typeof health['gateway_status'] === 'string') return health['gateway_status'];
    const first = Object.values(health).find((v): v is { gateway_status: string } => typeof v === 'object' && v !== null && 'gateway_status' in v);
    return first?.gateway_status ?? 'unknown';
  }

  async backup(password: string): Promise<string> {
    const body = await this.call<{ settings?: { data?: string } }>('POST', 'settings/backup', { password });
    const data = body.settings?.data;
    if (!data) throw new RemoteError('onprem', 200, undefined, undefined, 'backup answered without settings.data', 'POST /v1/settings/backup');
    return data;
  }

  restore(password: string, data: string): Promise<unknown> {
    return this.call('POST', 'settings/restore', { password, data });
  }

  /** `POST /v1/account`: 'exists' (201: already registered here) or 'code_sent' (202). */
  async requestAccount(input: { cc: string; phoneNumber: string; method: 'sms' | 'voice'; cert: string; pin?: string | undefined }): Promise<'exists' | 'code_sent'> {
    const res = await this.exchange('POST', 'account', { cc: input.cc, phone_number: input.phoneNumber, method: input.method, cert: input.cert, ...(input.pin !== undefined && { pin: input.pin }) });
    return res.status === 201 ? 'exists' : 'code_sent';
  }

  verifyAccount(code: string): Promise<unknown> {
    return this.call('POST', 'account/verify', { code });
  }

  enableTwoStep(pin: string): Promise<unknown> {
    return this.call('POST', 'settings/account/two-step', { pin });
  }

  disableTwoStep(): Promise<unknown> {
    return this.call('DELETE', 'settings/account/two-step');
  }

  /** The two application settings the control plane cares about: whose number this is, and where webhooks go. */
  async application(): Promise<{ waId: string | undefined; webhookUrl: string | undefined }> {
    const body = await this.call<{ settings?: { application?: { wa_id?: string; webhooks?: { url?: string } } } }>('GET', 'settings/application');
    const app = body.settings?.application;
    return { waId: app?.wa_id || undefined, webhookUrl: app?.webhooks?.url || undefined };
  }

  async sendMessage(payload: Record<string, unknown>): Promise<{ id: string | undefined }> {
    const body = await this.call<{ messages?: { id: string }[] }>('POST', 'messages', payload);
    return { id: body.messages?.[0]?.id };
  }

  private async call<T>(method: HttpRequest['method'], path: string, json?: unknown): Promise<T> {
    return (await this.exchange(method, path, json)).body as T;
  }

  private async exchange(method: HttpRequest['method'], path: string, json?: unknown): Promise<HttpAnswer> {
    let res = await this.send(method, path, json, await this.bearer());
    if (res.status === 401) {
      this.token = undefined;
      res = await this.send(method, path, json, await this.bearer());
    }
    if (res.status < 200 || res.status >= 300) throw onpremError(res.status, res.body, `${method} /v1/${path}`);
    return res;
  }

  private send(method: HttpRequest['method'], path: string, json: unknown, token: string): Promise<HttpAnswer> {
    return httpJson({ method, url: joinUrl(this.baseUrl, `v1/${path}`), headers: { authorization: `Bearer ${token}` }, json, timeoutMs: this.timeoutMs, call: `${method} /v1/${path}` });
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    // Concurrent callers share one login.
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  private async login(): Promise<string> {
    const call = 'POST /v1/users/login';
    const basic = Buffer.from(`${this.username}:${this.password}`, 'utf8').toString('base64');
    const res = await httpJson({ method: 'POST', url: joinUrl(this.baseUrl, 'v1/users/login'), headers: { authorization: `Basic ${basic}` }, json: {}, timeoutMs: this.timeoutMs, call });
    const token = (res.body as { users?: { token?: string }[] }).users?.[0]?.token;
    if (res.status !== 200 || !token) throw onpremError(res.status, res.body, call);
    this.token = token;
    return token;
  }
}
