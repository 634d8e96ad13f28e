import pg from "pg";
import type { ChangeFeed } from "../app/services/realtime.ts";
import type { Logger } from "./logger.ts";

/**
 * One dedicated LISTEN connection per process (a pooled client's LISTEN vanishes when the pool
 * recycles it). When the connection drops — Postgres restarted, a network blip — it reconnects
 * with backoff, LISTENs again and asks every consumer to resync, since notices sent meanwhile
 * are gone.
 */
export interface PgListener extends ChangeFeed {
  stop(): Promise<void>;
}

export function startPgListener(options: { url: string; channel: string; logger: Logger }): PgListener {
  const { url, channel, logger } = options;
  const consumers = new Set<{ changed(payload: string): void; resync(): void }>();
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
    let held: string[] | undefined = [];
    const changed = (payload: string) => {
      for (const consumer of consumers) consumer.changed(payload);
    };
    next.on("notification", (notice) => {
      if (notice.channel !== channel || notice.payload === undefined) return;
      if (held) held.push(notice.payload);
      else changed(notice.payload);
    });
    next.on("error", scheduleReconnect);
    next.on("end", () => scheduleReconnect(new Error("connection ended")));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      scheduleReconnect(error);
      return;
    }
    if (stopped) return void next.end().catch(() => undefined);
    retryMs = 100;
    if (connectedOnce) {
      logger.info({ channel }, "LISTEN connection restored: resyncing");
      for (const consumer of consumers) consumer.resync();
    }
    connectedOnce = true;
    const early = held;
    held = undefined;
    early.forEach(changed);
  }

  void connect();

  return {
    listen(handlers) {
      consumers.add(handlers);
      return () => consumers.delete(handlers);
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
