import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { DemoData } from '../../src/control/seed.js';
import { templateBody } from '../support/message-helpers.js';
import { TestPlatform } from '../support/platform.js';
import { ensureConsoleBuilt, hasChromium, launchChromium, reportMissingChromium, screenshot } from './browser.js';

/**
 * The web console in Debian's chromium against a real platform seeded with the demo data:
 * what the platform view shows, its control actions, and an On-Prem → Cloud migration from the UI.
 */

if (!hasChromium) reportMissingChromium();

describe.skipIf(!hasChromium)('web console: platform view', () => {
  let tp: TestPlatform;
  let browser: Browser;
  let page: Page;
  let demo: DemoData;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    tp = await TestPlatform.start({ seedDemo: true });
    demo = (await tp.platform.demo()) as DemoData;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${tp.base}/`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  const numberRow = (id: string): Locator => page.getByTestId(`number-${id}`);

  it('is served at /console/ (where / redirects) and lists the demo businesses, WABA and numbers with their state', async () => {
    expect(new URL(page.url()).pathname).toBe('/console/');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Switchboard console');
    await page.getByTestId(`waba-${demo.wabaId}`).waitFor();

    expect(await page.getByTestId(`business-${demo.businessId}`).getByRole('heading', { level: 3 }).textContent()).toContain("Jasper's Market");
    const cloud = numberRow(demo.phoneNumberId);
    expect(await cloud.getByTestId('badge-api').innerText()).toBe('Cloud API');
    expect(await cloud.getByTestId('badge-health').innerText()).toBe('AVAILABLE');
    expect(await cloud.getByTestId('badge-quality').innerText()).toBe('GREEN');
    expect(await cloud.getByTestId('number-oba').innerText()).toBe('OBA');
    expect(await cloud.getByTestId('badge-name').innerText()).toBe('APPROVED');

    const unregistered = numberRow(demo.unregisteredPhoneNumberId);
    expect(await unregistered.getByTestId('badge-api').innerText()).toBe('none');
    expect(await unregistered.getByTestId('badge-health').innerText()).toBe('BLOCKED');

    const onprem = numberRow(demo.onpremPhoneNumberId);
    expect(await onprem.getByTestId('badge-api').innerText()).toBe('On-Prem');
    expect(await onprem.getByTestId('number-throughput').innerText()).toBe('STANDARD');
    expect(await page.getByTestId(`deployment-${demo.onpremDeploymentId}`).getByTestId('gateway-status').innerText()).toBe('connected');
    expect(await page.getByTestId(`app-${demo.appId}`).innerText()).toContain('Switchboard Demo App');
    await screenshot(page, '01-platform-demo');
  });

  it('creates a number from the form, then approves its pending display name (a name-update webhook follows)', async () => {
    const form = page.getByTestId('create-number-form');
    await form.getByLabel('Phone number').fill('6315550142');
    await form.getByLabel('Display name').fill('Jasper Bakery');
    await form.getByLabel('Name status').selectOption('PENDING_REVIEW');
    await form.getByRole('button', { name: 'Create number' }).click();
    await expect.poll(() => form.getByTestId('create-number-outcome').innerText()).toMatch(/^Created number \d+ \(\+1 6315550142\)$/);

    const created = (await tp.control<{ phone_numbers: { id: string; number: string }[] }>('GET', 'state')).phone_numbers.find((n) => n.number === '6315550142');
    const row = numberRow(created?.id ?? 'missing');
    await row.waitFor();
    expect(await row.getByTestId('badge-name').innerText()).toBe('PENDING_REVIEW');
    expect(await row.getByTestId('badge-health').innerText()).toBe('BLOCKED');

    await row.getByRole('button', { name: 'Approve name' }).click();
    await expect.poll(() => row.getByTestId('badge-name').innerText()).toBe('APPROVED');
    await page.locator('[data-field="phone_number_name_update"]').first().waitFor();
  });

  it('sends an inbound message as the consumer and shows the signed webhook delivery with its attempt', async () => {
    const form = page.getByTestId('inbound-form');
    await form.getByLabel('To business number').selectOption(demo.phoneNumberId);
    await form.getByLabel('From consumer (wa_id)').fill(demo.consumerWaId);
    await form.getByLabel('Text').fill('Do you have ripe avocados?');
    await form.getByRole('button', { name: 'Send inbound message' }).click();
    await expect.poll(() => form.getByTestId('inbound-outcome').innerText()).toMatch(/^Delivered as wamid\.\S+ \(cloud\)$/);

    const delivery = page.locator('[data-field="messages"][data-status="delivered"]').first();
    await delivery.waitFor({ timeout: 10_000 });
    // The feed filters by field: only `messages` deliveries remain.
    const deliveries = page.getByTestId('section-deliveries');
    await deliveries.getByLabel('Field').fill('messages');
    await expect.poll(() => deliveries.locator('[data-field]:not([data-field="messages"])').count()).toBe(0);
    await delivery.locator('summary').click();
    const attempt = delivery.getByTestId('delivery-attempt').first();
    await attempt.waitFor();
    expect(await attempt.getByTestId('attempt-status').innerText()).toBe('200');
    expect(await delivery.getByTestId('delivery-detail').innerText()).toContain('Do you have ripe avocados?');

    // The signature shown is the one sent: HMAC-SHA256 of the exact payload with the app secret.
    const shown = await attempt.getByTestId('attempt-signature').innerText();
    const sink = await tp.control<{ data: { body: string; headers: Record<string, string> }[] }>('GET', 'sink/demo');
    const received = sink.data.find((r) => r.body.includes('Do you have ripe avocados?'));
    expect(received?.headers['x-hub-signature-256']).toBe(shown);
    expect(shown).toBe(`sha256=${createHmac('sha256', demo.appSecret).update(received?.body ?? '').digest('hex')}`);
    await screenshot(page, '02-webhook-delivery');
    await deliveries.getByLabel('Field').fill('');
  });

  it('lists templates, the SMS code inbox, dropped inbound messages and the WABA billing ledger', async () => {
    const template = await tp.graph<{ id: string; status: string }>('POST', `${demo.wabaId}/message_templates`, demo.accessToken, templateBody('order_ready'));
    const code = await tp.graph('POST', `${demo.unregisteredPhoneNumberId}/request_code`, demo.accessToken, { code_method: 'SMS', language: 'en_US' });
    expect([template.status, code.status]).toEqual([200, 200]);

    const waba = page.getByTestId(`waba-${demo.wabaId}`);
    await waba.getByText('Templates (1)').click();
    const templateRow = waba.getByTestId(`template-${template.body.id}`);
    expect(await templateRow.innerText()).toContain('order_ready');
    expect(await templateRow.innerText()).toContain(template.body.status);

    const inbox = await tp.control<{ data: { code: string }[] }>('GET', `code-inbox?phone_number_id=${demo.unregisteredPhoneNumberId}`);
    await page.getByTestId('section-codes').getByText(inbox.data[0]?.code ?? 'missing').waitFor();

    // An unregistered number cannot receive: Meta drops the message silently, the console shows it.
    const form = page.getByTestId('inbound-form');
    await form.getByLabel('To business number').selectOption(demo.unregisteredPhoneNumberId);
    await form.getByRole('button', { name: 'Send inbound message' }).click();
    await expect.poll(() => form.getByTestId('inbound-outcome').innerText()).toMatch(/^Dropped: /);
    await page.getByTestId('section-drops').locator('[data-testid^="drop-"]').first().waitFor();

    await waba.getByText('Billing').click();
    expect(await waba.getByTestId('billing-total').innerText()).toMatch(/^\d+\.\d{4} [A-Z]{3}$/);
    await screenshot(page, '03-templates-codes-drops');
  });

  it('advances the emulator clock', async () => {
    const form = page.getByTestId('clock-form');
    const before = Date.parse(await form.getByTestId('clock-now').innerText());
    await form.getByRole('button', { name: '+24 h' }).click();
    await expect.poll(() => form.getByTestId('clock-outcome').innerText()).toMatch(/^Clock moved by 86400 s to /);
    await expect.poll(async () => Date.parse(await form.getByTestId('clock-now').innerText()) - before).toBeGreaterThanOrEqual(86_400_000);
    expect((await tp.control<{ offset_ms: number }>('GET', 'clock')).offset_ms).toBeGreaterThanOrEqual(86_400_000);
  });

  it('migrates the On-Prem number to Cloud API from the UI: backup, register with it, drops during downtime, OBA kept, 2 shards → HIGH', async () => {
    const row = numberRow(demo.onpremPhoneNumberId);
    await row.getByRole('button', { name: 'Migrate to Cloud API' }).click();
    const form = page.getByTestId('migrate-form');
    // The demo's deployment password, PIN and token are pre-filled.
    const password = form.getByLabel('On-Prem admin password');
    expect(await password.inputValue()).toBe(demo.onpremAdminPassword);

    // A wrong password stops the run at its first step, with the On-Prem API's error shown.
    await password.fill('not-the-password');
    await form.getByRole('button', { name: 'Start migration' }).click();
    await expect.poll(() => form.getByTestId('migrate-step-0').getAttribute('data-state')).toBe('failed');
    expect(await form.getByTestId('migrate-step-0').innerText()).toMatch(/failed — .+/);
    expect(await form.getByTestId('migrate-step-1').getAttribute('data-state')).toBe('waiting');
    expect(await row.getByTestId('badge-api').innerText()).toBe('On-Prem');

    // With a downtime window (as on Meta: registration takes seconds), inbound messages meanwhile are dropped.
    const settings = page.getByTestId('settings-form');
    await settings.getByLabel('Migration downtime (ms)').fill('4000');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => settings.getByTestId('settings-outcome').innerText()).toBe('Saved: downtime 4000 ms, Graph quotas on');
    await password.fill(demo.onpremAdminPassword);
    await form.getByRole('button', { name: 'Start migration' }).click();
    await row.getByTestId('badge-downtime').waitFor({ timeout: 5000 });
    expect(await form.getByTestId('migrate-step-2').getAttribute('data-state')).toBe('running');
    const inbound = page.getByTestId('inbound-form');
    await inbound.getByLabel('To business number').selectOption(demo.onpremPhoneNumberId);
    await inbound.getByLabel('Text').fill('Are you open?');
    await inbound.getByRole('button', { name: 'Send inbound message' }).click();
    await expect.poll(() => inbound.getByTestId('inbound-outcome').innerText()).toBe('Dropped: migration downtime');
    await page.getByTestId('section-drops').getByText('migration downtime').first().waitFor();
    await screenshot(page, '04-onprem-to-cloud-downtime');

    for (const i of [0, 1, 2]) await expect.poll(() => form.getByTestId(`migrate-step-${i}`).getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
    await tp.control('PATCH', 'settings', { downtime_ms: 0 });
    expect(await form.getByTestId('migrate-step-1').innerText()).toMatch(/backup of \d+ characters/);
    await expect.poll(() => row.getByTestId('badge-api').innerText()).toBe('Cloud API');
    expect(await row.getByTestId('number-throughput').innerText()).toBe('HIGH');
    expect(await row.getByTestId('number-oba').innerText()).toBe('OBA');
    expect(await row.getByTestId('badge-health').innerText()).toBe('AVAILABLE');
    await expect.poll(() => page.getByTestId(`deployment-${demo.onpremDeploymentId}`).getByTestId('gateway-status').innerText()).toBe('disconnected');
    await screenshot(page, '05-onprem-to-cloud');

    // The platform agrees: Graph sees the number on Cloud API.
    const fields = await tp.graph('GET', `${demo.onpremPhoneNumberId}?fields=platform_type,throughput`, demo.accessToken);
    expect(fields.body).toMatchObject({ platform_type: 'CLOUD_API', throughput: { level: 'HIGH' } });
  });

  it('switches to the migration view with the keyboard (WAI-ARIA tabs) and back', async () => {
    await page.getByRole('tab', { name: 'Platform' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Migrations' }).getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('plan-panel').waitFor();
    expect(new URL(page.url()).hash).toBe('#migrations');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Platform' }).getAttribute('aria-selected')).toBe('true');
  });
});
