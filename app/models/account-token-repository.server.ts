import { sql, type Kysely } from "kysely";
import {
  hashAccountToken,
  newAccountToken,
  tokenLifetimeSecs,
  type AccountToken,
  type TokenPurpose,
} from "./account-token.ts";
import type { Database } from "./database.server.ts";
import type { Email, UserId } from "./user.ts";

/** A link that is still good: whose it is and the address it was sent to. */
export interface LiveToken {
  readonly userId: UserId;
  readonly email: Email;
}

/** Rows of `account_tokens`: only hashes are stored; each token is spent by one conditional UPDATE. */
export function createAccountTokenRepository(db: Kysely<Database>) {
  const live = (token: AccountToken, purpose: TokenPurpose) =>
    db
      .selectFrom("account_tokens")
      .select(["user_id", "email"])
      .where("token_hash", "=", hashAccountToken(token))
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`);

  /** Ends every unused link of the account for this purpose. */
  async function revokeAll(userId: UserId, purpose: TokenPurpose): Promise<void> {
    await db
      .updateTable("account_tokens")
      .set({ used_at: sql<Date>`now()` })
      .where("user_id", "=", userId)
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .execute();
  }

  return {
    /** A new link for `email`; earlier unused links of the same purpose for the account stop working. */
    async issue(userId: UserId, purpose: TokenPurpose, email: Email): Promise<AccountToken> {
      const token = newAccountToken();
      await revokeAll(userId, purpose);
      await db
        .insertInto("account_tokens")
        .values({
          token_hash: hashAccountToken(token),
          user_id: userId,
          purpose,
          email,
          expires_at: sql<Date>`now() + ${`${tokenLifetimeSecs[purpose]} seconds`}::interval`,
        })
        .execute();
      return token;
    },

    /** The token's account and address if it is unused and unexpired; nothing is spent. */
    async peek(token: AccountToken, purpose: TokenPurpose): Promise<LiveToken | undefined> {
      const row = await live(token, purpose).executeTakeFirst();
      return row && { userId: row.user_id as UserId, email: row.email as Email };
    },

    /** Spends the token: only one caller ever gets it back, however many race (the check is in the UPDATE). */
    async spend(token: AccountToken, purpose: TokenPurpose): Promise<LiveToken | undefined> {
      const row = await db
        .updateTable("account_tokens")
        .set({ used_at: sql<Date>`now()` })
        .where("token_hash", "=", hashAccountToken(token))
        .where("purpose", "=", purpose)
        .where("used_at", "is", null)
        .where("expires_at", ">", sql<Date>`now()`)
        .returning(["user_id", "email"])
        .executeTakeFirst();
      return row && { userId: row.user_id as UserId, email: row.email as Email };
    },

    revokeAll,

    /** Removes links that expired or were used more than a day ago; returns how many. */
    async purge(): Promise<number> {
      const result = await db
        .deleteFrom("account_tokens")
        .where((eb) =>
          eb.or([
            eb("expires_at", "<", sql<Date>`now() - interval '1 day'`),
            eb("used_at", "<", sql<Date>`now() - interval '1 day'`),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type AccountTokenRepository = ReturnType<typeof createAccountTokenRepository>;
