import { sql, type Kysely } from "kysely";

/**
 * The development mailbox (issue 6): without SMTP_URL outside production, mail is kept here and
 * shown at /dev/mailbox instead of being sent. The job queue itself is graphile-worker's own schema
 * (`graphile_worker`), migrated by graphile-worker at start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("dev_mailbox")
    .addColumn("id", "bigint", (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("sent_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("sender", "text", (col) => col.notNull())
    .addColumn("recipient", "text", (col) => col.notNull())
    .addColumn("subject", "text", (col) => col.notNull())
    .addColumn("body", "text", (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("dev_mailbox").execute();
}
