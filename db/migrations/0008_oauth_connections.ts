import { sql, type Kysely } from "kysely";

/**
 * GitHub sign-in (issue 6): accounts linked to an OAuth provider's account, and accounts without a
 * password (created through GitHub; they may set one later from the account page).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createType("oauth_provider").asEnum(["github"]).execute();
  await db.schema
    .createTable("user_oauth_connections")
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("provider", sql`oauth_provider`, (col) => col.notNull())
    // The provider's stable account id (GitHub's numeric id as text), never the renameable login.
    .addColumn("provider_user_id", "text", (col) => col.notNull())
    .addColumn("login", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("user_oauth_connections_pk", ["provider", "provider_user_id"])
    // One account of each provider per user.
    .addUniqueConstraint("user_oauth_connections_user_provider_key", ["user_id", "provider"])
    .execute();
  await db.schema
    .alterTable("users")
    .alterColumn("password_hash", (col) => col.dropNotNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Accounts without a password get one that no attempt can match (argon2 rejects it as malformed).
  await sql`update users set password_hash = '!no-password' where password_hash is null`.execute(db);
  await db.schema
    .alterTable("users")
    .alterColumn("password_hash", (col) => col.setNotNull())
    .execute();
  await db.schema.dropTable("user_oauth_connections").execute();
  await db.schema.dropType("oauth_provider").execute();
}
