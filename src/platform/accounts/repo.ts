import type { Executor } from '../../store/database.js';
import { prepared } from '../../store/prepared.js';
import type { App, Business, GraphNodeKind, Waba } from '../../store/schema.js';

export async function registerNode(db: Executor, id: string, kind: GraphNodeKind): Promise<void> {
  await db.insertInto('graph_nodes').values({ id, kind }).execute();
}

export async function nodeKind(db: Executor, id: string): Promise<GraphNodeKind | undefined> {
  const row = await db.selectFrom('graph_nodes').select('kind').where('id', '=', id).executeTakeFirst();
  return row?.kind;
}

export const findBusiness = (db: Executor, id: string): Promise<Business | undefined> =>
  db.selectFrom('businesses').selectAll().where('id', '=', id).executeTakeFirst();

export const findWaba = (db: Executor, id: string): Promise<Waba | undefined> =>
  db.selectFrom('wabas').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();

export const findApp = (db: Executor, id: string): Promise<App | undefined> =>
  db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();

/** What the outbox needs to fan a notification out: no names, no secrets. */
export interface SubscriptionTarget {
  readonly appId: string;
  readonly subscribedFields: readonly string[];
  readonly callbackUrl: string | null;
  readonly overrideCallbackUri: string | null;
}

const subscriptionTargetRows = prepared(
  (db, p: { wabaId: string }) =>
    db
      .selectFrom('waba_subscriptions')
      .innerJoin('apps', 'apps.id', 'waba_subscriptions.app_id')
      .select(['apps.id', 'apps.subscribed_fields', 'apps.callback_url', 'waba_subscriptions.override_callback_uri'])
      .where('waba_subscriptions.waba_id', '=', p.wabaId)
      .orderBy('waba_subscriptions.created_at'),
  { cached: true },
);

// A cached query hands back the same rows until the tables change: map (and parse) them once. Every send reads this.
const targetsByRows = new WeakMap<object, readonly SubscriptionTarget[]>();

export async function subscriptionTargets(db: Executor, wabaId: string): Promise<readonly SubscriptionTarget[]> {
  const rows = await subscriptionTargetRows(db, { wabaId });
  let targets = targetsByRows.get(rows);
  if (!targets) {
    targets = rows.map((r) => ({ appId: r.id, subscribedFields: JSON.parse(r.subscribed_fields) as string[], callbackUrl: r.callback_url, overrideCallbackUri: r.override_callback_uri }));
    targetsByRows.set(rows, targets);
  }
  return targets;
}

export interface Subscription {
  app: App;
  overrideCallbackUri: string | null;
}

const subscriptionRows = prepared((db, p: { wabaId: string }) =>
  db
    .selectFrom('waba_subscriptions')
    .innerJoin('apps', 'apps.id', 'waba_subscriptions.app_id')
    .selectAll('apps')
    .select('waba_subscriptions.override_callback_uri')
    .where('waba_subscriptions.waba_id', '=', p.wabaId)
    .orderBy('waba_subscriptions.created_at'),
);

export async function subscriptionsOf(db: Executor, wabaId: string): Promise<Subscription[]> {
  const rows = await subscriptionRows(db, { wabaId });
  return rows.map(({ override_callback_uri, ...app }) => ({ app, overrideCallbackUri: override_callback_uri }));
}

export async function upsertSubscription(
  db: Executor,
  wabaId: string,
  appId: string,
  overrideCallbackUri: string | null,
  now: number,
): Promise<void> {
  await db
    .insertInto('waba_subscriptions')
    .values({ waba_id: wabaId, app_id: appId, override_callback_uri: overrideCallbackUri, created_at: now })
    .onConflict((oc) => oc.columns(['waba_id', 'app_id']).doUpdateSet({ override_callback_uri: overrideCallbackUri }))
    .execute();
}

export async function deleteSubscription(db: Executor, wabaId: string, appId: string): Promise<void> {
  await db.deleteFrom('waba_subscriptions').where('waba_id', '=', wabaId).where('app_id', '=', appId).execute();
}
