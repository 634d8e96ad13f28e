import type { Kysely } from "kysely";
import type pg from "pg";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { attemptSourceOf, createAccountLockout, type LockoutLimits } from "#app/models/account-lockout.ts";
import {
  createTwoFactorRepository,
  type TotpCredential,
  type TwoFactorRepository,
} from "#app/models/two-factor-repository.server.ts";
import {
  hashBackupCode,
  isFresh,
  matchingStep,
  newBackupCodes,
  newTotpSecret,
  otpauthUri,
  type BackupCode,
  type SecondFactor,
  type TotpCode,
  type TotpSecret,
} from "#app/models/two-factor.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import type { User, UserId } from "#app/models/user.ts";

/** TOTP two-factor sign-in: setup, the second sign-in step, backup codes, turning it off. */
export interface TwoFactorDeps {
  readonly db: Kysely<Database>;
  /** For the wrong-code limit (rate-limiter-flexible speaks pg directly). */
  readonly pool: pg.Pool;
  readonly now?: () => Date;
}

/** Five codes per account per 15 minutes, whatever they are for; a right code clears the count. */
/** Wrong codes: 5 per device or network in 15 minutes, 20 per account from strangers (decision 0017). */
const WRONG_CODES: LockoutLimits = {
  limit: { attempts: 5, windowSecs: 15 * 60 },
  ceiling: { attempts: 20, windowSecs: 15 * 60 },
};

export type TwoFactorStatus =
  | { readonly state: "off" }
  | { readonly state: "setting-up"; readonly secret: TotpSecret; readonly uri: string }
  | { readonly state: "on"; readonly backupCodesLeft: number };

/** What a code is being checked for (it goes into the audit log). */
type Purpose = "confirm" | "sign_in" | "regenerate" | "disable" | "delete_account" | "change_email";

export function createTwoFactorService({ db, pool, now = () => new Date() }: TwoFactorDeps) {
  const credentials = createTwoFactorRepository(db);
  const users = createUserRepository(db);
  const audit = createAuditRepository(db);
  const lockout = createAccountLockout(pool, "totp", WRONG_CODES);

  /** Spends the code if it is right and unused: a TOTP step newer than the last one, or an unused backup code. */
  async function spend(
    repository: TwoFactorRepository,
    userId: UserId,
    credential: TotpCredential,
    factor: SecondFactor,
  ): Promise<boolean> {
    if (factor.kind === "backup")
      return credential.confirmed && repository.useBackupCode(userId, hashBackupCode(factor.code));
    const step = matchingStep(credential.secret, factor.code, now());
    // isFresh is the rule; useStep repeats it in its UPDATE so that two racing requests cannot both pass.
    return (
      step !== null &&
      isFresh(step, credential.lastUsedStep) &&
      repository.useStep(userId, step, { confirming: !credential.confirmed })
    );
  }

  /**
   * Checks a code for `purpose` under the wrong-code limit and, if it is right, runs `then` in the
   * same transaction as spending it. Throws `auth:totp_throttled` or `auth:totp_invalid`.
   */
  async function withCode<T>(
    userId: UserId,
    credential: TotpCredential,
    factor: SecondFactor,
    purpose: Purpose,
    client: ClientInfo,
    then: (trx: Kysely<Database>) => Promise<T>,
  ): Promise<T> {
    const source = attemptSourceOf(client, userId);
    const verdict = await lockout.attempt(userId, source);
    if (!verdict.allowed) {
      await audit.record({
        actorId: userId,
        action: "auth.totp_failed",
        client,
        metadata: { purpose, reason: "throttled" },
      });
      throw new AppError("auth:totp_throttled", verdict.retryAfterSecs);
    }
    const outcome = await db.transaction().execute(async (trx) => {
      if (!(await spend(createTwoFactorRepository(trx), userId, credential, factor)))
        return { accepted: false as const };
      if (factor.kind === "backup") {
        await createAuditRepository(trx).record({
          actorId: userId,
          action: "auth.backup_code_used",
          client,
          metadata: { purpose },
        });
      }
      return { accepted: true as const, value: await then(trx) };
    });
    if (!outcome.accepted) {
      await audit.record({
        actorId: userId,
        action: "auth.totp_failed",
        client,
        metadata: { purpose, kind: factor.kind },
      });
      throw new AppError("auth:totp_invalid");
    }
    await lockout.succeeded(userId, source);
    return outcome.value;
  }

  async function activeCredential(userId: UserId): Promise<TotpCredential> {
    const credential = await credentials.find(userId);
    if (!credential?.confirmed) throw new AppError("auth:totp_not_enabled");
    return credential;
  }

  /** New backup codes replace the old ones; only their hashes are stored, the codes are returned once. */
  async function issueBackupCodes(trx: Kysely<Database>, userId: UserId): Promise<BackupCode[]> {
    const codes = newBackupCodes();
    await createTwoFactorRepository(trx).replaceBackupCodes(userId, codes.map(hashBackupCode));
    return codes;
  }

  return {
    async status(user: User): Promise<TwoFactorStatus> {
      const credential = await credentials.find(user.id);
      if (!credential) return { state: "off" };
      if (!credential.confirmed)
        return { state: "setting-up", secret: credential.secret, uri: otpauthUri(credential.secret, user.email) };
      return { state: "on", backupCodesLeft: await credentials.unusedBackupCodes(user.id) };
    },

    isEnabled: (userId: UserId): Promise<boolean> => credentials.isEnabled(userId),

    /** A new secret, inactive until confirmed. A setup already in progress is kept (a second request never swaps its secret). */
    async startSetup(user: User): Promise<void> {
      if (await credentials.startSetup(user.id, newTotpSecret())) return;
      if ((await credentials.find(user.id))?.confirmed) throw new AppError("auth:totp_already_enabled");
    },

    async cancelSetup(user: User): Promise<void> {
      if (!(await credentials.discardSetup(user.id))) throw new AppError("auth:totp_not_pending");
    },

    /** The first right code activates the secret; returns the 10 backup codes (shown once). */
    async confirmSetup(user: User, code: TotpCode, client: ClientInfo): Promise<BackupCode[]> {
      const credential = await credentials.find(user.id);
      if (!credential) throw new AppError("auth:totp_not_pending");
      if (credential.confirmed) throw new AppError("auth:totp_already_enabled");
      return withCode(user.id, credential, { kind: "totp", code }, "confirm", client, async (trx) => {
        const codes = await issueBackupCodes(trx, user.id);
        await createAuditRepository(trx).record({ actorId: user.id, action: "auth.totp_enabled", client });
        return codes;
      });
    },

    /** The second sign-in step: the user whose password was accepted, once the code is right. */
    async completeSignIn(userId: UserId, factor: SecondFactor, client: ClientInfo): Promise<User> {
      const [credential, user] = await Promise.all([credentials.find(userId), users.findById(userId)]);
      // Two-factor turned off or the account deleted since the password step: start over.
      if (!credential?.confirmed || !user) throw new AppError("auth:totp_pending_expired");
      return withCode(userId, credential, factor, "sign_in", client, async (trx) => {
        await createAuditRepository(trx).record({
          actorId: userId,
          action: "auth.totp_verified",
          client,
          metadata: { method: factor.kind },
        });
        return user;
      });
    },

    async regenerateBackupCodes(user: User, factor: SecondFactor, client: ClientInfo): Promise<BackupCode[]> {
      return withCode(user.id, await activeCredential(user.id), factor, "regenerate", client, async (trx) => {
        const codes = await issueBackupCodes(trx, user.id);
        await createAuditRepository(trx).record({ actorId: user.id, action: "auth.backup_codes_regenerated", client });
        return codes;
      });
    },

    /** Needs a right code (or backup code): a stolen session alone cannot remove the second factor. */
    /** A code (or backup code) proving it is the owner before a drastic change; throws `auth:totp_invalid` / `auth:totp_throttled`. */
    async confirm(
      user: User,
      factor: SecondFactor,
      purpose: "delete_account" | "change_email",
      client: ClientInfo,
    ): Promise<void> {
      await withCode(user.id, await activeCredential(user.id), factor, purpose, client, async () => undefined);
    },

    async disable(user: User, factor: SecondFactor, client: ClientInfo): Promise<void> {
      await withCode(user.id, await activeCredential(user.id), factor, "disable", client, async (trx) => {
        await createTwoFactorRepository(trx).remove(user.id);
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.totp_disabled",
          client,
          metadata: { method: factor.kind },
        });
      });
    },
  };
}

export type TwoFactorService = ReturnType<typeof createTwoFactorService>;
