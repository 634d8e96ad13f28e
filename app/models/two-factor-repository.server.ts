import { sql, type Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import type { TotpSecret } from "./two-factor.ts";
import type { UserId } from "./user.ts";

/** A member's TOTP credential: active once confirmed, a setup in progress until then. */
export interface TotpCredential {
  readonly secret: TotpSecret;
  readonly confirmed: boolean;
  readonly lastUsedStep: number | null;
}

/** TOTP credentials and hashed backup codes. Every "use" is one conditional UPDATE, so two requests racing with the same code cannot both win. */
export function createTwoFactorRepository(db: Kysely<Database>) {
  return {
    async find(userId: UserId): Promise<TotpCredential | undefined> {
      const row = await db
        .selectFrom("totp_credentials")
        .select(["secret", "confirmed_at", "last_used_step"])
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return (
        row && {
          secret: row.secret as TotpSecret,
          confirmed: row.confirmed_at !== null,
          lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
        }
      );
    },

    async isEnabled(userId: UserId): Promise<boolean> {
      const row = await db
        .selectFrom("totp_credentials")
        .select("user_id")
        .where("user_id", "=", userId)
        .where("confirmed_at", "is not", null)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Starts a setup with this secret unless one exists (in progress or active): returns whether it did. */
    async startSetup(userId: UserId, secret: TotpSecret): Promise<boolean> {
      const result = await db
        .insertInto("totp_credentials")
        .values({ user_id: userId, secret })
        .onConflict((oc) => oc.column("user_id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async discardSetup(userId: UserId): Promise<boolean> {
      const result = await db
        .deleteFrom("totp_credentials")
        .where("user_id", "=", userId)
        .where("confirmed_at", "is", null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /**
     * Marks `step` used if it is newer than the last one; with `confirming`, on the setup in
     * progress (which it activates), otherwise on the active credential. False when refused.
     */
    async useStep(userId: UserId, step: number, { confirming = false } = {}): Promise<boolean> {
      const result = await db
        .updateTable("totp_credentials")
        .set({ last_used_step: step, ...(confirming ? { confirmed_at: sql<Date>`now()` } : {}) })
        .where("user_id", "=", userId)
        .where("confirmed_at", confirming ? "is" : "is not", null)
        .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", sql<string>`${step}`)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Spends an unused backup code; false when there is none with this hash. */
    async useBackupCode(userId: UserId, codeHash: string): Promise<boolean> {
      const result = await db
        .updateTable("totp_backup_codes")
        .set({ used_at: sql<Date>`now()` })
        .where("user_id", "=", userId)
        .where("code_hash", "=", codeHash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** The old codes (used or not) stop working; these are the only ones. */
    async replaceBackupCodes(userId: UserId, codeHashes: readonly string[]): Promise<void> {
      await db.deleteFrom("totp_backup_codes").where("user_id", "=", userId).execute();
      await db
        .insertInto("totp_backup_codes")
        .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash })))
        .execute();
    },

    async unusedBackupCodes(userId: UserId): Promise<number> {
      const row = await db
        .selectFrom("totp_backup_codes")
        .select((eb) => eb.fn.countAll<string>().as("count"))
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Turns two-factor off: the credential and every backup code go. */
    async remove(userId: UserId): Promise<boolean> {
      await db.deleteFrom("totp_backup_codes").where("user_id", "=", userId).execute();
      const result = await db.deleteFrom("totp_credentials").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type TwoFactorRepository = ReturnType<typeof createTwoFactorRepository>;
