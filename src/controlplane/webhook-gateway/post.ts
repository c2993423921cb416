import http from 'node:http';
import https from 'node:https';

/**
 * The app-facing POST: node's HTTP client with keep-alive (far cheaper per request than `fetch`,
 * which matters at thousands of deliveries per second). Resolves with the status, or rejects on a
 * network error or timeout — both count as a failed attempt.
 */
export class AppPoster {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;
  private readonly target: URL;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    sockets: number,
  ) {
    this.target = new URL(url);
    const secure = this.target.protocol === 'https:';
    this.client = secure ? https : http;
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: sockets }) : new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(body: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = this.client.request(this.target, { method: 'POST', agent: this.agent, timeout: this.timeoutMs, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
