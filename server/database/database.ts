import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "#app/models/database.server.ts";
import type { SqlPool } from "#app/models/trace.ts";
import type { Config } from "#server/config.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import type { Logger } from "#server/logger.ts";

/** The database side of the runtime: a pool, its Kysely, and the embedded server if we own one. */
export interface DatabaseRuntime {
  readonly db: Kysely<Database>;
  /**
   * DATABASE_READ_URL's Kysely (a replica: reads that tolerate lag), or `db` itself when it is unset.
   * Which reads may go here is the services' decision (docs/decisions/0015).
   */
  readonly readDb: Kysely<Database>;
  /** The pool behind `db`, for libraries that take a pg pool (rate-limiter-flexible). */
  readonly pool: pg.Pool;
  /** For connections outside the pool (the LISTEN connection). */
  readonly url: string;
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** Called after every statement with its text (never its parameters), duration and pool: the trace pipeline. */
export type QueryObserver = (sql: string, durationMs: number, failed: boolean, pool: SqlPool) => void;

export async function openDatabase(config: Config, logger: Logger, onQuery?: QueryObserver): Promise<DatabaseRuntime> {
  const { url, embedded } = await connectionTarget(config, logger);
  const primary = openPool("primary", url, config, logger, onQuery);
  const read = config.databaseReadUrl ? openPool("read", config.databaseReadUrl, config, logger, onQuery) : primary;
  if (read !== primary) logger.info("reads that tolerate replica lag go to DATABASE_READ_URL");

  return {
    db: primary.db,
    readDb: read.db,
    pool: primary.pool,
    url,
    embedded: embedded !== undefined,
    async close() {
      if (read !== primary) await read.db.destroy();
      await primary.db.destroy();
      await embedded?.stop();
    },
  };
}

function openPool(name: SqlPool, url: string, config: Config, logger: Logger, onQuery: QueryObserver | undefined) {
  // `application_name` names the pool in pg_stat_activity (a URL's own ?application_name= wins).
  const pool = new pg.Pool({
    connectionString: url,
    application_name: name === "primary" ? "glassbox" : "glassbox-read",
    max: config.dbMaxConnections,
    connectionTimeoutMillis: 5_000,
  });
  // A connection dying (Postgres restarted, 57P01 at shutdown) must not kill the process: the pool
  // reports idle clients itself, but a client's own listener is needed while it is checked out
  // (then the query in flight fails with its request, and the pool replaces the client).
  pool.on("error", (error) => logger.warn({ err: error, pool: name }, "idle database connection failed"));
  pool.on("connect", (client) =>
    client.on("error", (error) => logger.warn({ err: error, pool: name }, "database connection failed during a query")),
  );
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: onQuery
      ? (event) => onQuery(event.query.sql, event.queryDurationMillis, event.level === "error", name)
      : undefined,
  });
  return { pool, db };
}

async function connectionTarget(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedPostgres }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres(config.dataDir, logger);
  return { url: embedded.url, embedded };
}
