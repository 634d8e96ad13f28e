import type { Kysely } from "kysely";

/**
 * Counters for the limits added after sign-in and chat (sign-ups per address, the lab's account
 * lookups), in rate-limiter-flexible's Postgres layout like login_throttle: one table, each limit
 * under its own key prefix, so a new limit needs no migration of its own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("points", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("expire", "bigint")
    .execute();
  await db.schema.createIndex("rate_limits_expire_idx").on("rate_limits").column("expire").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("rate_limits").execute();
}
