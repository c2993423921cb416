import type { Executor } from '../store/database.js';
import type { PlatformContext } from '../platform/context.js';
import { createApp, createBusiness, createToken, createWaba, subscribeApp } from '../platform/accounts/service.js';
import { provisionNumber } from '../platform/phone-numbers/service.js';
import { newAccessToken } from '../core/ids.js';
import { seedOnpremDeployment } from '../platform/onprem/service.js';

/** Ids and the token a new user needs to make a first call; printed at start-up. */
export interface DemoData {
  accessToken: string;
  partnerBusinessId: string;
  businessId: string;
  wabaId: string;
  appId: string;
  appSecret: string;
  phoneNumberId: string;
  unregisteredPhoneNumberId: string;
  consumerWaId: string;
  pin: string;
  /** An On-Prem deployment holding a third number, ready to migrate to Cloud API. */
  onpremDeploymentId: string;
  onpremPhoneNumberId: string;
  onpremAdminPassword: string;
}

const DEMO_KEY = 'demo';

export async function loadDemo(db: Executor): Promise<DemoData | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', DEMO_KEY).executeTakeFirst();
  return row ? (JSON.parse(row.value) as DemoData) : undefined;
}

/**
 * The demo world of seed 003: a Solution Partner with an app whose webhooks go to the built-in
 * sink, a client business with a WABA, one number registered on Cloud API and one waiting to be
 * registered, and a consumer who can message it.
 */
export async function seedDemo(ctx: PlatformContext, db: Executor): Promise<DemoData> {
  const partner = await createBusiness(ctx, db, { name: 'Switchboard Demo Partner' });
  const business = await createBusiness(ctx, db, { name: "Jasper's Market" });
  const waba = await createWaba(ctx, db, { name: "Jasper's Market", ownerBusinessId: business.id, partnerBusinessId: partner.id });
  const app = await createApp(ctx, db, {
    name: 'Switchboard Demo App',
    businessId: partner.id,
    callbackUrl: `${ctx.publicUrl}/_switchboard/sink/demo`,
    verifyToken: 'switchboard-demo',
    skipVerification: true,
  });
  await subscribeApp(ctx, db, waba.id, app.id);
  const pin = '123456';
  const registered = await provisionNumber(ctx, db, {
    wabaId: waba.id,
    cc: '1',
    phoneNumber: '6315555555',
    verifiedName: "Jasper's Market",
    registerWithPin: pin,
    officialBusinessAccount: true,
    profile: { about: 'Fresh produce since 1999', vertical: 'GROCERY', email: 'hello@jaspers.example' },
  });
  const unregistered = await provisionNumber(ctx, db, { wabaId: waba.id, cc: '1', phoneNumber: '6315555556', verifiedName: "Jasper's Ice Cream", qualityRating: 'NA' });
  const consumerWaId = '16315551234';
  await db.insertInto('consumers').values({ wa_id: consumerWaId, name: 'Kerry Fisher', online: 1, auto_read: 0, created_at: ctx.clock.now() }).execute();
  const { access_token } = await createToken(ctx, db, { appId: app.id, businessIds: [partner.id], label: 'demo system user', token: newAccessToken() });
  const onprem = await provisionNumber(ctx, db, {
    wabaId: waba.id,
    cc: '1',
    phoneNumber: '6315555557',
    verifiedName: "Jasper's Deli",
    registerWithPin: pin,
    officialBusinessAccount: true,
    profile: { about: 'Sandwiches on premises', vertical: 'RESTAURANT' },
  });
  const onpremAdminPassword = 'Switchboard-demo1';
  await seedOnpremDeployment(ctx, db, { id: 'jaspers-deli', adminPassword: onpremAdminPassword, webhookUrl: `${ctx.publicUrl}/_switchboard/sink/demo-onprem`, number: onprem, shards: 2 });
  const demo: DemoData = {
    accessToken: access_token,
    partnerBusinessId: partner.id,
    businessId: business.id,
    wabaId: waba.id,
    appId: app.id,
    appSecret: app.app_secret,
    phoneNumberId: registered.id,
    unregisteredPhoneNumberId: unregistered.id,
    consumerWaId,
    pin,
    onpremDeploymentId: 'jaspers-deli',
    onpremPhoneNumberId: onprem.id,
    onpremAdminPassword,
  };
  await db.insertInto('settings').values({ key: DEMO_KEY, value: JSON.stringify(demo) }).execute();
  return demo;
}
