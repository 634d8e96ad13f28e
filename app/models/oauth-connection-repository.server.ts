import type { Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import type { OAuthConnection, OAuthProvider } from "./oauth.ts";
import type { UserId } from "./user.ts";

/** Rows of `user_oauth_connections`: which provider account belongs to which user. */
export interface NewConnection {
  readonly userId: UserId;
  readonly provider: OAuthProvider;
  readonly providerUserId: string;
  readonly login: string;
}

/** Why a connection could not be added: the provider account is someone else's, or the user already has one. */
export type AddConnectionResult = "added" | "already_yours" | "linked_to_other" | "provider_already_linked";

export function createOAuthConnectionRepository(db: Kysely<Database>) {
  return {
    /** The user this provider account is linked to; the login is refreshed (GitHub logins can be renamed). */
    async userIdFor(provider: OAuthProvider, providerUserId: string, login: string): Promise<UserId | undefined> {
      const row = await db
        .updateTable("user_oauth_connections")
        .set({ login })
        .where("provider", "=", provider)
        .where("provider_user_id", "=", providerUserId)
        .returning("user_id")
        .executeTakeFirst();
      return row?.user_id as UserId | undefined;
    },

    /** Adds the link unless either side is taken (a concurrent insert is reported the same way). */
    async add(connection: NewConnection): Promise<AddConnectionResult> {
      const inserted = await db
        .insertInto("user_oauth_connections")
        .values({
          user_id: connection.userId,
          provider: connection.provider,
          provider_user_id: connection.providerUserId,
          login: connection.login,
        })
        .onConflict((oc) => oc.doNothing())
        .returning("user_id")
        .executeTakeFirst();
      if (inserted) return "added";
      const owner = await db
        .selectFrom("user_oauth_connections")
        .select("user_id")
        .where("provider", "=", connection.provider)
        .where("provider_user_id", "=", connection.providerUserId)
        .executeTakeFirst();
      if (owner) return owner.user_id === connection.userId ? "already_yours" : "linked_to_other";
      return "provider_already_linked";
    },

    async listForUser(userId: UserId): Promise<OAuthConnection[]> {
      const rows = await db
        .selectFrom("user_oauth_connections")
        .select(["provider", "login", "created_at"])
        .where("user_id", "=", userId)
        .orderBy("provider")
        .execute();
      return rows.map((row) => ({ provider: row.provider, login: row.login, createdAt: row.created_at }));
    },

    /** Removes the user's link to the provider; the removed login, or undefined when there was none. */
    async remove(userId: UserId, provider: OAuthProvider): Promise<string | undefined> {
      const row = await db
        .deleteFrom("user_oauth_connections")
        .where("user_id", "=", userId)
        .where("provider", "=", provider)
        .returning("login")
        .executeTakeFirst();
      return row?.login;
    },
  };
}

export type OAuthConnectionRepository = ReturnType<typeof createOAuthConnectionRepository>;
