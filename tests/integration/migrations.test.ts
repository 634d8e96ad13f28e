import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrateToLatest } from "#db/migrate.ts";
import { migrations } from "#db/migrations/index.ts";
import { migrateJobQueue } from "#server/jobs/job-runner.ts";
import { createLogger } from "#server/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(() => database.drop());

it("applies each migration exactly once when several instances migrate at the same time", async () => {
  // Four "instances": each its own pool, as separate processes would have.
  const instances = Array.from(
    { length: 4 },
    () =>
      new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }) }),
  );
  const results = await Promise.all(instances.map((db) => migrateToLatest(db)));
  await Promise.all(instances.map((db) => db.destroy()));
  expect(results.flat()).toEqual(Object.keys(migrations));
  const { rows } = await sql<{ count: string }>`select count(*) from kysely_migration`.execute(database.db);
  expect(rows[0]?.count).toBe(String(Object.keys(migrations).length));
  expect(await migrateToLatest(database.db as Kysely<unknown>)).toEqual([]);
});

it("installs the job queue's schema once when several instances start on a new database at the same time", async () => {
  const logger = createLogger("json", "silent");
  await Promise.all(Array.from({ length: 4 }, () => migrateJobQueue(database.url, logger)));
  const { rows } = await sql<{
    count: string;
  }>`select count(*) from pg_namespace where nspname = 'graphile_worker'`.execute(database.db);
  expect(rows[0]?.count).toBe("1");
});

it("creates an action_logs table that accepts a row with defaults", async () => {
  const row = await database.db
    .insertInto("action_logs")
    .values({ action: "test.ping", metadata: JSON.stringify({ ok: true }) })
    .returningAll()
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ action: "test.ping", actor_id: null, metadata: { ok: true } });
  expect(row.occurred_at).toBeInstanceOf(Date);
});
