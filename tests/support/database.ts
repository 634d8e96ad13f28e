import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { inject } from "vitest";
import type { Database } from "#app/models/database.server.ts";

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly db: Kysely<Database>;
  /** Runs SQL as the superuser on the cluster's maintenance database. */
  admin(sql: string): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh database in the run's PostgreSQL: a copy of the migrated template, or empty when asked. */
export async function createTestDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const clusterUrl = new URL(inject("postgresUrl"));
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: clusterUrl.href });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(migrate ? `CREATE DATABASE ${name} TEMPLATE ${inject("migratedTemplate")}` : `CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(clusterUrl.href), { pathname: `/${name}` }).href;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // The drop's FORCE (or a test's own Postgres restart) ends connections the pool may still be
  // closing: that is expected, not an uncaught error of the test run.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    name,
    url,
    db,
    admin,
    async drop() {
      await db.destroy();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
