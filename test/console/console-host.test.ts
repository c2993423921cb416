import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountConsole } from '../../src/console-host.js';

/** How the platform serves the console's build, without a browser. */
describe('console host', () => {
  const dirs: string[] = [];
  let http: FastifyInstance | undefined;
  afterEach(async () => {
    await http?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A Fastify app shaped like the platform's: trailing slashes ignored, Graph-like catch-all parameters. */
  async function host(files: Record<string, string>): Promise<FastifyInstance> {
    const root = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
    dirs.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    http = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    for (const url of ['/:a', '/:a/:b', '/:a/:b/:c']) http.get(url, async () => ({ graph: true }));
    await mountConsole(http, root);
    return http;
  }

  it('serves the build at /console/ ahead of Graph-style routes, and / redirects there', async () => {
    const app = await host({ 'index.html': '<!doctype html><title>console</title>', 'assets/index-abc.js': 'console.log(1)' });
    const root = await app.inject('/');
    expect([root.statusCode, root.headers['location']]).toEqual([302, '/console/']);
    for (const url of ['/console/', '/console']) {
      const page = await app.inject(url);
      expect([page.statusCode, page.headers['content-type'], page.body]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>console</title>']);
    }
    const js = await app.inject('/console/assets/index-abc.js');
    expect([js.statusCode, js.headers['content-type'], js.body]).toEqual([200, 'application/javascript; charset=utf-8', 'console.log(1)']);
    // Anything else under /console/ is not the console's.
    expect((await app.inject('/console/assets/missing.js')).json()).toEqual({ graph: true });
  });

  it('says how to build it when there is no build', async () => {
    const app = await host({});
    const page = await app.inject('/console/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Run <code>npm run build</code>');
  });
});
