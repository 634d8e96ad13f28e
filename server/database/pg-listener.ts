import pg from "pg";
import type { ChangeFeed } from "#app/models/live-feed.ts";
import type { Logger } from "#server/logger.ts";

/**
 * One dedicated LISTEN connection per process (a pooled client's LISTEN vanishes when the pool
 * recycles it), listening on every channel the app uses; each channel is a `ChangeFeed`. When the
 * connection drops — Postgres restarted, a network blip — it reconnects with backoff, LISTENs
 * again and asks every consumer to resync, since notices sent meanwhile are gone.
 */
export interface PgListener {
  /** The notices of one of the channels the listener was started with. */
  feed(channel: string): ChangeFeed;
  stop(): Promise<void>;
}

type Consumer = { changed(payload: string): void; resync(): void };

export function startPgListener(options: { url: string; channels: readonly string[]; logger: Logger }): PgListener {
  const { url, channels, logger } = options;
  const consumers = new Map<string, Set<Consumer>>(channels.map((channel) => [channel, new Set()]));
  const everyConsumer = () => [...consumers.values()].flatMap((set) => [...set]);
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 100;
  let retryTimer: NodeJS.Timeout | undefined;
  let connectedOnce = false;

  function scheduleReconnect(reason: unknown): void {
    if (stopped || retryTimer) return;
    logger.warn({ err: reason, retryMs }, "LISTEN connection lost: reconnecting");
    client?.removeAllListeners();
    client?.on("error", () => undefined); // a late error from the dead client must not crash us
    client = undefined;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 5_000);
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client = next;
    // Notices can arrive in the same packet as LISTEN's reply, before the code after `await` runs:
    // they are held until consumers have been asked to resync, so the resync always comes first.
    let held: { channel: string; payload: string }[] | undefined = [];
    const changed = ({ channel, payload }: { channel: string; payload: string }) => {
      for (const consumer of consumers.get(channel) ?? []) consumer.changed(payload);
    };
    next.on("notification", ({ channel, payload }) => {
      if (!consumers.has(channel) || payload === undefined) return;
      if (held) held.push({ channel, payload });
      else changed({ channel, payload });
    });
    next.on("error", scheduleReconnect);
    next.on("end", () => scheduleReconnect(new Error("connection ended")));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      scheduleReconnect(error);
      return;
    }
    if (stopped) return void next.end().catch(() => undefined);
    retryMs = 100;
    if (connectedOnce) {
      logger.info({ channels }, "LISTEN connection restored: resyncing");
      for (const consumer of everyConsumer()) consumer.resync();
    }
    connectedOnce = true;
    const early = held;
    held = undefined;
    early.forEach(changed);
  }

  void connect();

  return {
    feed(channel) {
      const subscribed = consumers.get(channel);
      if (!subscribed) throw new Error(`the listener was not started with channel ${channel}`);
      return {
        listen(handlers) {
          subscribed.add(handlers);
          return () => subscribed.delete(handlers);
        },
      };
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      const current = client;
      current?.removeAllListeners();
      current?.on("error", () => undefined);
      await current?.end().catch(() => undefined);
    },
  };
}
