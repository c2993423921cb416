import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpJson } from './http.js';
import { RemoteError } from './remote-error.js';

describe('httpJson', () => {
  let server: Server;
  let base = '';
  const seen: { method: string; url: string; body: string; type: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, type: req.headers['content-type'] });
        if (req.url === '/hang') return; // never answers
        if (req.url === '/cut') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"partial":');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        if (req.url === '/text') return void res.writeHead(502).end('Bad Gateway');
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body === '' ? null : (JSON.parse(body) as unknown) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (path: string, extra: { json?: unknown; timeoutMs?: number; method?: 'GET' | 'POST' } = {}) =>
    httpJson({ method: extra.method ?? 'POST', url: `${base}${path}`, json: extra.json, timeoutMs: extra.timeoutMs ?? 2000, call: `POST ${path}` });

  const transportError = async (p: Promise<unknown>): Promise<RemoteError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).api).toBe('transport');
    return err as RemoteError;
  };

  it('sends JSON and parses the JSON answer, reusing the connection', async () => {
    expect(await call('/a', { json: { x: 'é' } })).toEqual({ status: 201, body: { echo: { x: 'é' } } });
    expect(await call('/b', { method: 'GET' })).toEqual({ status: 201, body: { echo: null } });
    expect(seen.find((s) => s.url === '/a')).toMatchObject({ method: 'POST', body: '{"x":"é"}', type: 'application/json' });
  });

  it('keeps a non-JSON body as text', async () => {
    expect(await call('/text')).toEqual({ status: 502, body: 'Bad Gateway' });
  });

  it('a server that never answers is a transient transport error at the deadline', async () => {
    const started = Date.now();
    const err = await transportError(call('/hang', { timeoutMs: 150 }));
    expect(err.message).toContain('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a connection cut mid-answer is a transport error, not a truncated body', async () => {
    await transportError(call('/cut'));
  });

  it('a refused connection is a transport error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await transportError(httpJson({ method: 'GET', url: `http://127.0.0.1:${port}/x`, timeoutMs: 1000, call: 'GET /x' }));
    expect(err.message).toContain('ECONNREFUSED');
  });
});
