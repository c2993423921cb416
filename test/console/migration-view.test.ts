import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { DemoData } from '../../src/control/seed.js';
import { FaultProxy } from '../controlplane/support/fault-proxy.js';
import { numberOnOnprem, type Placed } from '../controlplane/support/world.js';
import { ADMIN_PASSWORD } from '../support/onprem-helpers.js';
import { TestPlatform, type World } from '../support/platform.js';
import { ensureConsoleBuilt, hasChromium, launchChromium, reportMissingChromium, screenshot } from './browser.js';

/**
 * The migration view in Debian's chromium: an On-Prem → Cloud rehearsal driven entirely from the UI
 * (plan → pre-flight → run → live progress → report → timeline) through the control plane the platform
 * embeds, which reaches the platform over HTTP only — here through a fault proxy, to see a retry.
 */

if (!hasChromium) reportMissingChromium();

describe.skipIf(!hasChromium)('web console: migration view', () => {
  let tp: TestPlatform;
  let proxy: FaultProxy;
  let browser: Browser;
  let page: Page;
  let demo: DemoData;
  let extra: Placed[];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    tp = await TestPlatform.start({ seedDemo: true });
    demo = (await tp.platform.demo()) as DemoData;
    // Two more On-Prem numbers in the demo WABA, each on its own deployment (password ADMIN_PASSWORD).
    const world = { wabaId: demo.wabaId, receiver: { url: `${tp.base}/_switchboard/sink/extra` } } as World;
    extra = [await numberOnOnprem(tp, world), await numberOnOnprem(tp, world)];
    proxy = new FaultProxy(tp.base);
    await proxy.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    await page.goto(`${tp.base}/console/#migrations`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await tp?.stop();
  });

  const planBox = (): Locator => page.getByLabel('Plan (YAML or JSON)');
  const click = (name: string): Promise<void> => page.getByTestId('plan-panel').getByRole('button', { name, exact: true }).click();
  const outcome = (): Promise<string> => page.getByTestId('plan-outcome').innerText();

  /** The demo plan grown by hand: three numbers, batches of two, Graph through the fault proxy. */
  function writtenPlan(demoPlan: string): string {
    const deployments = extra.map((p) => `  ${p.dep.id}:\n    url: ${tp.base}/onprem/${p.dep.id}\n    password_env: DEP_PASSWORD\n`).join('');
    const numbers = extra.map((p, i) => `  - phone_number_id: "${p.number.id}"\n    label: Branch ${i + 1}\n    kind: onprem_to_cloud\n    waba_id: "${demo.wabaId}"\n    deployment: ${p.dep.id}\n`).join('');
    return `${demoPlan
      .replace(`base_url: ${tp.base}\n`, `base_url: ${proxy.url}\n`)
      .replace('batch: { size: 50, concurrency: 4 }', 'batch: { size: 2, concurrency: 2 }')
      .replace('retry: { max_attempts: 6, base_ms: 500, max_ms: 30000 }', 'retry: { max_attempts: 6, base_ms: 1500, max_ms: 3000 }')
      .replace('    password_env: DELI_PASSWORD\n', `    password_env: DELI_PASSWORD\n${deployments}`)}${numbers}`;
  }

  it('pre-fills the demo rehearsal and its secrets; a wrong plan is refused with line and path', async () => {
    await page.getByRole('tab', { name: 'Migrations', selected: true }).waitFor();
    await expect.poll(() => planBox().inputValue()).toContain('name: demo-onprem-to-cloud');
    expect(await planBox().inputValue()).toContain(`phone_number_id: "${demo.onpremPhoneNumberId}"`);
    expect(await page.getByLabel('SB_TOKEN value').inputValue()).toBe(demo.accessToken);
    expect(await page.getByLabel('DELI_PASSWORD value').inputValue()).toBe(demo.onpremAdminPassword);

    const demoPlan = await planBox().inputValue();
    await planBox().fill(demoPlan.replace('kind: onprem_to_cloud', 'kind: onprem_to_mars'));
    await click('Validate');
    const issues = page.getByTestId('plan-issues');
    await issues.waitFor();
    expect(await issues.innerText()).toMatch(/line \d+:\d+ numbers\[0\]\.kind: /);
    await screenshot(page, '10-migration-plan-invalid');

    await planBox().fill(demoPlan);
    await click('Validate');
    await expect.poll(outcome).toBe('The plan is valid: 1 number(s).');
    expect(await issues.count()).toBe(0);
  });

  it('runs pre-flight per number: a secret not given blocks the numbers that need it, then all are ready', async () => {
    await planBox().fill(writtenPlan(await planBox().inputValue()));
    await click('Run pre-flight');
    await expect.poll(outcome).toBe('Pre-flight: 1 ready, 2 blocked.');
    const blocked = page.getByTestId(`preflight-${extra[0]?.number.id}`);
    expect(await blocked.getAttribute('data-verdict')).toBe('blocked');
    expect(await blocked.getByTestId('finding-deployment').innerText()).toContain('password variable is not set');
    expect(await page.getByTestId(`preflight-${demo.onpremPhoneNumberId}`).getAttribute('data-verdict')).toBe('ready');

    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable 5 name').fill('DEP_PASSWORD');
    await page.getByLabel('DEP_PASSWORD value').fill(ADMIN_PASSWORD);
    await click('Run pre-flight');
    await expect.poll(outcome).toBe('Pre-flight: 3 ready, 0 blocked.');
    expect(await page.getByTestId('preflight').locator('[data-verdict="ready"]').count()).toBe(3);
    await screenshot(page, '11-migration-preflight');
  });

  it('starts the run and shows it live: batches, steps, a retry, a held message, then the report', async () => {
    const deli = demo.onpremPhoneNumberId;
    // Before: an inbound message reaches the On-Prem deployment's webhook. During the move the platform
    // is down for the number for 3 s; the first register of Branch 2 (batch 2) meets a proxy's 503 and is retried.
    expect(await tp.control('POST', 'inbound', { phone_number_id: deli, from: demo.consumerWaId, text: { body: 'before' } })).toMatchObject({ delivered: true });
    await tp.control('PATCH', 'settings', { downtime_ms: 3000 });
    proxy.inject('POST', new RegExp(`/${extra[1]?.number.id}/register$`), { kind: '503' });

    await click('Start run');
    await expect.poll(outcome).toMatch(/^Started run run-\S+\.$/);
    const run = page.getByTestId('run');
    await run.getByTestId('batch-0').waitFor();
    expect(await run.getByTestId('batch-1').getByTestId(`run-number-${extra[1]?.number.id}`).count()).toBe(1);

    // Mid-register (the downtime window): the partner's message is held, a consumer's is dropped.
    const row = run.getByTestId(`run-number-${deli}`);
    await expect.poll(() => row.getByTestId('step-register').getAttribute('data-status'), { timeout: 10_000 }).toBe('started');
    const gateway = page.getByTestId('gateway-form');
    await gateway.getByLabel('From number').selectOption(deli);
    await gateway.getByRole('button', { name: 'Send through the control plane' }).click();
    await expect.poll(() => gateway.getByTestId('gateway-outcome').innerText()).toMatch(/^Held \(#\d+\): it leaves on the new API once the number has moved\.$/);
    expect(await tp.control('POST', 'inbound', { phone_number_id: deli, from: demo.consumerWaId, text: { body: 'during' } })).toMatchObject({ delivered: false, reason: 'migration downtime' });
    await expect.poll(() => row.getByTestId('number-messages').innerText()).toContain('1 held');
    await screenshot(page, '12-migration-live');
    // Batch 2 follows; its number's first register meets the 503: the retry shows while it waits.
    const retrying = run.getByTestId(`run-number-${extra[1]?.number.id}`).getByTestId('number-retry');
    await retrying.waitFor({ timeout: 20_000 });
    expect(await retrying.innerText()).toMatch(/^Retrying register: attempt 1 failed \(graph 503: .+\); next attempt at /);

    await expect.poll(() => run.getByTestId('run-status').innerText(), { timeout: 30_000 }).toBe('finished');
    await tp.control('PATCH', 'settings', { downtime_ms: 0 });
    expect(proxy.pending()).toBe(0);
    for (const id of [deli, ...extra.map((p) => p.number.id)]) expect(await run.getByTestId(`run-number-${id}`).getAttribute('data-status')).toBe('succeeded');
    const retried = run.getByTestId(`run-number-${extra[1]?.number.id}`).getByTestId('step-register');
    await expect.poll(() => retried.innerText(), { message: 'register retried once after the proxy\'s 503' }).toContain('×2');
    const log = page.getByTestId('live-feed');
    expect(await log.innerText()).toMatch(new RegExp(`${extra[1]?.number.id}: register attempt 1 failed \\(.+\\); retry in [\\d.]+ s`));
    expect(await log.innerText()).toContain(`${deli}: register succeeded`);
    expect(await log.innerText()).toMatch(/run finished: 3 succeeded/);

    const report = page.getByTestId('run-report');
    expect(await report.getByTestId('report-totals').innerText()).toContain('finished — 3 succeeded');
    expect(await report.getByTestId(`report-${deli}`).innerText()).toContain('1/1');
    await report.getByTestId(`report-${deli}`).getByTestId('verification').locator('summary').click();
    expect(await report.getByTestId(`report-${deli}`).getByTestId('verification').innerText()).toMatch(/all \d+ passed/);
    expect(await row.getByTestId('number-messages').innerText()).toContain('0 held · 1 sent');
    await screenshot(page, '13-migration-report');

    // The platform agrees: the number is on Cloud API, with the shards' high throughput.
    const fields = await tp.graph('GET', `${deli}?fields=platform_type,throughput`, demo.accessToken);
    expect(fields.body).toMatchObject({ platform_type: 'CLOUD_API', throughput: { level: 'HIGH' } });
  });

  it('draws the migration on a timeline: steps, messages held then sent, downtime, drops, webhooks switched', async () => {
    // After: the consumer's message now reaches the app's Cloud API webhook.
    expect(await tp.control('POST', 'inbound', { phone_number_id: demo.onpremPhoneNumberId, from: demo.consumerWaId, text: { body: 'after' } })).toMatchObject({ delivered: true });
    const timeline = page.getByTestId('timeline');
    await timeline.getByLabel('Number').selectOption(demo.onpremPhoneNumberId);
    const chart = timeline.getByTestId('timeline-chart');
    await chart.getByTestId('tl-webhook-switch').waitFor({ timeout: 10_000 });
    expect(await chart.getByTestId('tl-step-register').getAttribute('data-status')).toBe('succeeded');
    expect(await chart.getByTestId('tl-downtime').count()).toBe(1);
    expect(await chart.getByTestId('tl-hold').count()).toBe(1);
    expect(await chart.getByTestId('tl-mark-drop').count()).toBe(1);
    expect(await chart.getByTestId('tl-mark-message-in').count()).toBe(1);
    expect(await chart.getByTestId('tl-mark-message-out').count()).toBe(1);
    expect(await chart.locator('[data-testid="tl-mark-webhook"][data-variant="onprem"]').count()).toBeGreaterThanOrEqual(1);
    expect(await chart.locator('[data-testid="tl-mark-webhook"][data-variant="cloud"]').count()).toBeGreaterThanOrEqual(1);

    // The order the seeds describe: held before the downtime ends, sent after it; drop inside it.
    const box = async (testId: string): Promise<{ x: number; width: number }> => (await chart.getByTestId(testId).first().boundingBox()) ?? { x: NaN, width: NaN };
    const downtime = await box('tl-downtime');
    const drop = await box('tl-mark-drop');
    const sent = await box('tl-mark-message-out');
    const switched = await box('tl-webhook-switch');
    expect(drop.x).toBeGreaterThan(downtime.x);
    expect(drop.x).toBeLessThan(downtime.x + downtime.width);
    expect(sent.x).toBeGreaterThanOrEqual(downtime.x + downtime.width - 2);
    expect(switched.x).toBeGreaterThanOrEqual(downtime.x);

    await timeline.getByText(/^Timeline as a table/).click();
    expect(await timeline.getByTestId('timeline-table').innerText()).toContain('webhooks switched');
    await screenshot(page, '14-migration-timeline');
  });

  it('waits for the low-traffic window, and pauses and cancels from the UI', async () => {
    const spare = await numberOnOnprem(tp, { wabaId: demo.wabaId, receiver: { url: `${tp.base}/_switchboard/sink/extra` } } as World);
    const later = (hours: number): string => `${String((new Date().getUTCHours() + hours) % 24).padStart(2, '0')}:00`;
    const text = `version: 1
name: spare-in-the-night
graph: { base_url: ${tp.base}, token_env: SB_TOKEN }
defaults: { pin_env: SB_PIN, backup_password_env: SB_BACKUP_PASSWORD }
deployments:
  ${spare.dep.id}: { url: ${tp.base}/onprem/${spare.dep.id}, password_env: DEP_PASSWORD }
window: { start: "${later(2)}", end: "${later(3)}", timezone: UTC }
numbers:
  - { phone_number_id: "${spare.number.id}", kind: onprem_to_cloud, waba_id: "${demo.wabaId}", deployment: ${spare.dep.id} }
`;
    await planBox().fill(text);
    await click('Start run');
    await expect.poll(outcome).toMatch(/^Started run run-\S+\.$/);
    const run = page.getByTestId('run');
    await expect.poll(() => run.getByTestId('batch-0').innerText()).toContain('waiting for the low-traffic window');

    await run.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => run.getByTestId('run-status').innerText()).toBe('paused');
    await run.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => run.getByTestId('run-status').innerText(), { timeout: 10_000 }).toBe('cancelled');
    expect(await run.getByTestId(`run-number-${spare.number.id}`).getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('run-list').innerText()).toContain('spare-in-the-night');
    expect(await run.getByTestId('batch-0').innerText()).not.toContain('waiting for the low-traffic window');
    expect(await page.getByTestId('timeline').innerText()).toContain(`${spare.number.id} has not started (yet)`);
    await screenshot(page, '15-migration-cancelled');
    const fields = await tp.graph('GET', `${spare.number.id}?fields=platform_type`, demo.accessToken);
    expect(fields.body['platform_type']).toBe('ON_PREMISE');
  });
});
