import type { Kysely } from "kysely";

/**
 * Sign-in throttle counters (issue 3), in the layout rate-limiter-flexible's RateLimiterPostgres
 * expects (key, points, expire in epoch ms). Created here rather than by the library at run time,
 * so the schema has one owner; `key` is text because account keys hold a full email address.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("login_throttle")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("points", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("expire", "bigint")
    .execute();
  await db.schema.createIndex("login_throttle_expire_idx").on("login_throttle").column("expire").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("login_throttle").execute();
}
