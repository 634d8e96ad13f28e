import { sql, type Kysely } from "kysely";

/**
 * Accounts a user can rely on (issue 13): whether an email address was proven, a display name,
 * registrations that wait for their confirmation link, single-use links (password reset, email
 * verification) stored only as hashes, and Google beside GitHub. Accounts made before this
 * migration keep working and stay unverified until their owner follows a link (docs/decisions/0017).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("users")
    // When the owner last proved the address (a link we mailed, or a provider that vouches for it); null: never.
    .addColumn("email_verified_at", "timestamptz")
    // A registration whose confirmation link has not been followed: it cannot sign in, and a new
    // registration with the same address replaces it.
    .addColumn("registration_pending", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("display_name", "text", (col) => col.check(sql`char_length(display_name) between 1 and 50`))
    .execute();
  await db.schema
    .createTable("account_tokens")
    // SHA-256 of the token (hex): the token itself only ever exists in the mail.
    .addColumn("token_hash", "text", (col) => col.primaryKey())
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (col) =>
      col.notNull().check(sql`purpose in ('password_reset', 'email_verification')`),
    )
    // The address the link was sent to: a verification link proves this one (the account's, or its new one).
    .addColumn("email", "text", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("account_tokens_user_idx").on("account_tokens").columns(["user_id", "purpose"]).execute();
  // Not usable in this transaction, and not needed here: the first Google connection comes later.
  await sql`alter type oauth_provider add value if not exists 'google'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // An enum value cannot be dropped: the type is rebuilt without it (Google connections go).
  await sql`delete from user_oauth_connections where provider::text = 'google'`.execute(db);
  await sql`alter type oauth_provider rename to oauth_provider_old`.execute(db);
  await sql`create type oauth_provider as enum ('github')`.execute(db);
  await sql`alter table user_oauth_connections alter column provider type oauth_provider using provider::text::oauth_provider`.execute(
    db,
  );
  await sql`drop type oauth_provider_old`.execute(db);
  await db.schema.dropTable("account_tokens").execute();
  // Registrations never confirmed would become accounts anyone could sign in to: they go.
  await sql`delete from users where registration_pending`.execute(db);
  await db.schema
    .alterTable("users")
    .dropColumn("display_name")
    .dropColumn("registration_pending")
    .dropColumn("email_verified_at")
    .execute();
}
