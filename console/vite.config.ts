import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The console's production build lands in dist/console, which the platform serves at /console/. */
export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('../dist/console', import.meta.url)), emptyOutDir: true, sourcemap: true },
  // `npm run dev:console` talks to a platform started with `npm run dev` on the default port.
  server: { proxy: { '/_switchboard': 'http://127.0.0.1:4780', '/v23.0': 'http://127.0.0.1:4780', '/onprem': 'http://127.0.0.1:4780' } },
});
