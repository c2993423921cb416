import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { consoleBuildDir } from '../../src/console-host.js';

/** Debian's chromium (installed by .ci/system-deps). Nothing here ever downloads a browser. */
export const CHROMIUM_PATH = process.env['SWITCHBOARD_CHROMIUM'] ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

/** Says loudly why the browser tests do not run; under CI a missing browser is a failure, not a skip. */
export function reportMissingChromium(): void {
  const message = `\n*** Console browser tests SKIPPED: ${CHROMIUM_PATH} not found. Install it with: apt-get install -y chromium ***\n`;
  if (process.env['CI']) throw new Error(message);
  console.warn(message);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Background networking makes chromium call Google's hosts, which this sandbox refuses.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--disable-component-update', '--no-first-run'],
  });
}

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => Math.max(max, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

/**
 * The platform serves the console's production build; `npm run build` makes it. Running these tests
 * on their own after editing console/ would test a stale build, so rebuild when any file under console/
 * is newer (platform files the bundle imports, such as the schema's types, are not watched).
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const outDir = consoleBuildDir();
  const index = join(outDir, 'index.html');
  const sources = join(process.cwd(), 'console');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(sources)) return;
  // Build beside it and swap directories: platforms that other test files start meanwhile read a
  // whole build (or none), never one being emptied.
  const fresh = `${outDir}.building-${process.pid}`;
  await build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn', build: { outDir: fresh, emptyOutDir: true } });
  const old = `${outDir}.old-${process.pid}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(fresh, outDir);
  rmSync(old, { recursive: true, force: true });
}

/** Saves a full-page screenshot under test-artifacts/console/ (kept by CI as an artifact). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
