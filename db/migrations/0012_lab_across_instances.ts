import { sql, type Kysely } from "kysely";

/**
 * The lab across instances (docs/decisions/0024): the command demo's state in Postgres, so any
 * instance can take a command; which instance holds each lab tab's stream; and the trace batches
 * one instance hands another (a NOTIFY payload is capped near 8 kB, so it carries a batch's id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("lab_counters")
    .addColumn("visitor_id", "text", (col) => col.primaryKey())
    .addColumn("count", "integer", (col) =>
      col
        .notNull()
        .defaultTo(0)
        .check(sql`count >= 0`),
    )
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // Per tab (or per visitor without JavaScript): the end of the guarded queue and the cancelable work's generation.
  await db.schema
    .createTable("lab_commands")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("guard_until", "timestamptz")
    .addColumn("generation", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("lab_streams")
    .addColumn("tab_key", "text", (col) => col.primaryKey())
    .addColumn("visitor_id", "text", (col) => col.notNull())
    .addColumn("instance_id", "text", (col) => col.notNull())
    .addColumn("opened_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("lab_streams_instance_idx").on("lab_streams").column("instance_id").execute();
  await db.schema
    .createTable("lab_trace_batches")
    .addColumn("id", "bigserial", (col) => col.primaryKey())
    .addColumn("items", "jsonb", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["lab_trace_batches", "lab_streams", "lab_commands", "lab_counters"])
    await db.schema.dropTable(table).execute();
}
