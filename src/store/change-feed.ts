import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Shared state that processes keep in memory (the emulator clock, runtime settings, caches) and that
 * another process may change. A SQLite database has one process, so its feed is local; on PostgreSQL
 * the feed is LISTEN/NOTIFY, so every process reloads within milliseconds of a change.
 */
export type ChangeTopic = 'settings' | 'reset';
export type ChangeListener = (topic: ChangeTopic) => void | Promise<void>;

export interface ChangeFeed {
  /** Runs this process's listeners, then tells the other processes. */
  publish(topic: ChangeTopic): Promise<void>;
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

const TOPICS: readonly ChangeTopic[] = ['settings', 'reset'];

export class LocalChangeFeed implements ChangeFeed {
  protected readonly listeners = new Set<ChangeListener>();

  async publish(topic: ChangeTopic): Promise<void> {
    await this.notifyLocal(topic);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  protected async notifyLocal(topic: ChangeTopic): Promise<void> {
    for (const listener of this.listeners) await listener(topic);
  }
}

const CHANNEL = 'switchboard_changes';

/** LISTEN/NOTIFY on one dedicated connection; notifications this process sent itself are skipped. */
export class PostgresChangeFeed extends LocalChangeFeed {
  private readonly processId = randomUUID();
  private client: pg.Client | undefined;
  private closed = false;

  private constructor(
    private readonly connect: () => pg.Client,
    private readonly notify: (payload: string) => Promise<unknown>,
  ) {
    super();
  }

  static async start(connect: () => pg.Client, notify: (channel: string, payload: string) => Promise<unknown>): Promise<PostgresChangeFeed> {
    const feed = new PostgresChangeFeed(connect, (payload) => notify(CHANNEL, payload));
    await feed.listen();
    return feed;
  }

  override async publish(topic: ChangeTopic): Promise<void> {
    await this.notifyLocal(topic);
    await this.notify(`${this.processId}:${topic}`);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
    await this.client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    this.client = client;
    client.on('notification', (msg) => {
      const [sender, topic] = (msg.payload ?? '').split(':');
      if (sender === this.processId || !TOPICS.includes(topic as ChangeTopic)) return;
      this.notifyLocal(topic as ChangeTopic).catch((err: unknown) => console.error('change feed listener:', err));
    });
    // A lost connection would silently stop the feed: reconnect, and reload everything once since
    // changes may have been missed meanwhile.
    client.on('error', () => this.reconnect());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  }

  private reconnect(): void {
    if (this.closed) return;
    this.client?.end().catch(() => undefined);
    setTimeout(() => {
      if (this.closed) return;
      this.listen()
        .then(() => Promise.all(TOPICS.map((t) => this.notifyLocal(t))))
        .catch(() => this.reconnect());
    }, 1000).unref();
  }
}
