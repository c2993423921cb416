/**
 * Global set-up of the `postgres` test project: a throwaway cluster for the whole run, unless
 * SWITCHBOARD_TEST_PG_URL already names one. Workers inherit the URL through the environment.
 */
import { startCluster, type Cluster } from './postgres-cluster.js';

let cluster: Cluster | undefined;

export async function setup(): Promise<void> {
  if (process.env['SWITCHBOARD_TEST_PG_URL']) return;
  cluster = await startCluster({ durable: false });
  process.env['SWITCHBOARD_TEST_PG_URL'] = cluster.url;
}

export function teardown(): void {
  cluster?.stop();
}
