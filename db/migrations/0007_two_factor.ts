import { sql, type Kysely } from "kysely";

/**
 * TOTP two-factor sign-in (issue 6). Its own tables rather than columns on `users`, so the feature
 * is added and removed as one piece. A credential row with `confirmed_at` null is a setup in
 * progress (its secret is not yet active); `last_used_step` is the newest accepted time step, so a
 * code is accepted once. Backup codes are stored as SHA-256 hashes only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("totp_credentials")
    .addColumn("user_id", "uuid", (col) => col.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("secret", "text", (col) => col.notNull())
    .addColumn("confirmed_at", "timestamptz")
    .addColumn("last_used_step", "bigint")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("totp_backup_codes")
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .addPrimaryKeyConstraint("totp_backup_codes_pk", ["user_id", "code_hash"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("totp_backup_codes").execute();
  await db.schema.dropTable("totp_credentials").execute();
}
