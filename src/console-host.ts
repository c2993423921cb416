import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_PREFIX = '/console/';

/**
 * Where `vite build` put the console: `dist/console`. This module runs either compiled
 * (`dist/console-host.js`, the build sits next to it) or from sources under tsx/vitest
 * (`src/console-host.ts`, the build is in `../dist/console`).
 */
export function consoleBuildDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'console'), join(here, '..', 'dist', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? (candidates[1] as string);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard console</title></head>
<body><h1>Switchboard console</h1><p>The console has not been built. Run <code>npm run build</code> and restart.</p></body></html>`;

/** Serves the web console's production build at `/console/`; `/` sends a browser there. */
export async function mountConsole(http: FastifyInstance, root = consoleBuildDir()): Promise<void> {
  http.get('/', async (_req, reply) => reply.redirect(CONSOLE_PREFIX));
  if (!existsSync(join(root, 'index.html'))) {
    // Still answer, so a platform started without a build says what to do rather than a Graph 400.
    http.get(CONSOLE_PREFIX, async (_req, reply) => reply.type('text/html').send(NOT_BUILT));
    return;
  }
  // One static route per built file (`wildcard: false`): Graph's `/:id/:edge` routes would otherwise
  // win over a `/console/*` wildcard. Vite's asset URLs are absolute (`/console/assets/...`).
  await http.register(fastifyStatic, { root, prefix: CONSOLE_PREFIX, wildcard: false, index: 'index.html' });
}
