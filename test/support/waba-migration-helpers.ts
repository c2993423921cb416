import { expect } from 'vitest';
import { codeInbox } from './graph-helpers.js';
import { addNumber, createWorld, type HttpResult, type TestPlatform, type World } from './platform.js';

/**
 * Seed 004's cast: a source partner whose client's WABA holds a registered number, and a destination
 * partner with its own approved, paid-up, subscribed WABA. Both are `World`s with their own app,
 * token and webhook receiver.
 */
export interface TwoPartners {
  source: World;
  dest: World;
  number: { id: string; cc: string; phone_number: string };
}

export async function twoPartners(tp: TestPlatform, numberOptions: Record<string, unknown> = {}): Promise<TwoPartners> {
  const source = await createWorld(tp);
  const dest = await createWorld(tp);
  await tp.control('PATCH', `wabas/${dest.wabaId}`, { payment_method: 'credit_line' });
  await tp.control('PATCH', `wabas/${source.wabaId}`, { payment_method: 'credit_line' });
  const number = await addNumber(tp, source, numberOptions);
  // Seed 004 step 1: the source owner turns two-step verification off.
  await tp.control('PATCH', `phone-numbers/${number.id}`, { two_step_enabled: false });
  return { source, dest, number };
}

/** Step 2: the destination asks to migrate the number. */
export function requestMigration(tp: TestPlatform, p: Pick<TwoPartners, 'dest' | 'number'>, token = p.dest.token, wabaId = p.dest.wabaId): Promise<HttpResult> {
  return tp.graph('POST', `${wabaId}/phone_numbers`, token, { cc: p.number.cc, phone_number: p.number.phone_number, migrate_phone_number: true });
}

/** Step 3: request a code as the destination, read it from the inbox, verify it. */
export async function verifyOwnership(tp: TestPlatform, p: Pick<TwoPartners, 'dest' | 'number'>, token = p.dest.token): Promise<HttpResult> {
  const requested = await tp.graph('POST', `${p.number.id}/request_code`, token, { code_method: 'SMS', language: 'en_US' });
  expect(requested.status, JSON.stringify(requested.body)).toBe(200);
  const code = (await codeInbox(tp, p.number.id))[0]?.code;
  if (!code) throw new Error('no code in the inbox');
  return tp.graph('POST', `${p.number.id}/verify_code`, token, { code });
}

/** The whole of steps 2–3, asserting success. */
export async function migrate(tp: TestPlatform, p: TwoPartners): Promise<void> {
  const requested = await requestMigration(tp, p);
  expect(requested.status, JSON.stringify(requested.body)).toBe(200);
  expect(requested.body).toEqual({ id: p.number.id });
  const verified = await verifyOwnership(tp, p);
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  expect(verified.body).toEqual({ success: true });
}

export interface MigrationRow {
  id: number;
  phone_number_id: string;
  source_waba_id: string;
  dest_waba_id: string;
  source_api: string;
  status: string;
  report: {
    history_carried: boolean;
    templates: {
      duplicated: { source_id: string; id: string; name: string; language: string; status: string; reason: string }[];
      skipped: { source_id: string; name: string; language: string; reason: string }[];
    };
  } | null;
}

export async function migrationsOf(tp: TestPlatform, phoneNumberId: string): Promise<MigrationRow[]> {
  return (await tp.control<{ data: MigrationRow[] }>('GET', `migrations?phone_number_id=${phoneNumberId}`)).data;
}
