import http from 'node:http';
import https from 'node:https';

/**
 * Webhook POSTs over node's own HTTP client with keep-alive agents: much cheaper per request than
 * `fetch` (no web streams), which matters when thousands of deliveries per second leave one process.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export interface PostResult {
  status: number;
  /** First bytes of the response body, for the delivery log. */
  snippet: string;
}

export function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`invalid callback URL: ${url}`));
      return;
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new Error(`unsupported callback URL scheme: ${target.protocol}`));
      return;
    }
    const req = client.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as keyof typeof agents],
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        let snippet = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (snippet.length < 500) snippet += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, snippet: snippet.slice(0, 500) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
