import type { Kysely } from "kysely";
import { createAccountTokenRepository } from "#app/models/account-token-repository.server.ts";
import type { AccountToken } from "#app/models/account-token.ts";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { createJobRepository } from "#app/models/job-repository.server.ts";
import type { PasswordResetRequest } from "#app/models/job.ts";
import type { RecoveryThrottle } from "#app/models/recovery-throttle.server.ts";
import { announceSessionChange } from "#app/models/session-events.ts";
import { createSessionRepository } from "#app/models/session-repository.server.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import { isEmailVerified, type Email, type Password, type User } from "#app/models/user.ts";
import type { AccountsService, IdentityProof } from "./accounts.server.ts";
import { linkTo, mails, type MailOutbox } from "./mail.server.ts";
import type { PasswordHasher } from "./password-hashing.server.ts";

/**
 * The links mailed to an account's owner: password reset, email verification (a sign-up's
 * confirmation, "send it again", a new address). Every answer a stranger can see is the same
 * whether the address has an account or not; what differs happens in mail only the address's
 * owner reads (docs/decisions/0018).
 */
export interface RecoveryDeps {
  readonly db: Kysely<Database>;
  readonly hasher: PasswordHasher;
  readonly throttle: RecoveryThrottle;
  readonly outbox: MailOutbox;
  /** Where links in mails lead (see AccountsDeps). */
  readonly origin: () => string;
  readonly accounts: Pick<AccountsService, "confirmIdentity" | "applyAdminList">;
  /** MAIL_MAX_ATTEMPTS: the reset request's job retries like a mail. */
  readonly jobAttempts: number;
}

/** What following a verification link did. */
export type EmailConfirmation =
  | {
      readonly outcome: "verified";
      readonly user: User;
      /** A sign-up's confirmation followed by a guest: sign them in. */ readonly signIn: boolean;
    }
  | { readonly outcome: "changed"; readonly user: User };

/** What a verification link is about, for the page that asks to confirm it. */
export interface VerificationLink {
  readonly email: Email;
  /** A new address for the account (the owner must be signed in to take it), not the current one. */
  readonly change: boolean;
}

/**
 * The worker's half of a reset request (`account.password_reset`): a link for the address's
 * account, if it has one. The request itself did the same work either way (decision 0018).
 */
export function createPasswordResetMailer({ db, outbox }: { db: Kysely<Database>; outbox: MailOutbox }) {
  return {
    async send({ email, origin }: PasswordResetRequest): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const user = await createUserRepository(trx).findByEmail(email as Email);
        if (!user) return false;
        const token = await createAccountTokenRepository(trx).issue(user.id, "password_reset", user.email);
        await outbox.enqueue(trx, mails.passwordReset(user, linkTo(origin, "/reset-password", { token })));
        return true;
      });
    },
  };
}

export function createRecoveryService({ db, hasher, throttle, outbox, origin, accounts, jobAttempts }: RecoveryDeps) {
  const users = createUserRepository(db);
  const tokens = createAccountTokenRepository(db);

  return {
    /**
     * "Forgot password?": the same work and the same answer for any address (the lookup happens in
     * the worker). Throttled per client network and per address: `auth:reset_throttled`.
     */
    async requestPasswordReset(email: Email, client: ClientInfo): Promise<void> {
      const verdict = await throttle.resetRequest(client.ip, email);
      if (!verdict.allowed) throw new AppError("auth:reset_throttled", verdict.retryAfterSecs);
      await db.transaction().execute(async (trx) => {
        await createJobRepository(trx).add(
          "account.password_reset",
          { email, origin: origin() },
          { maxAttempts: jobAttempts },
        );
        await createAuditRepository(trx).record({
          actorId: null,
          action: "auth.password_reset_requested",
          client,
          metadata: { email },
        });
      });
    },

    /** Whether a reset link can still be used (the page shows the form, or says to ask again). */
    resetLinkIsLive: async (token: AccountToken): Promise<boolean> =>
      (await tokens.peek(token, "password_reset")) !== undefined,

    /**
     * Sets the new password and spends the link (once, whatever races), ends every session of the
     * account, proves its address (the link came through it), and tells its open tabs.
     */
    async resetPassword(token: AccountToken, password: Password, client: ClientInfo): Promise<User> {
      // A forged or dead link costs one indexed read, not an argon2 hash.
      if (!(await tokens.peek(token, "password_reset"))) throw new AppError("auth:link_invalid");
      const passwordHash = await hasher.hash(password);
      return db.transaction().execute(async (trx) => {
        const spent = await createAccountTokenRepository(trx).spend(token, "password_reset");
        const trxUsers = createUserRepository(trx);
        const user = spent && (await trxUsers.findById(spent.userId));
        // A link sent to an address the account no longer has is dead.
        if (!spent || !user || user.email !== spent.email) throw new AppError("auth:link_invalid");
        await trxUsers.setPasswordHash(user.id, passwordHash);
        const verified = await trxUsers.markEmailVerified(user.id, user.email);
        const ended = await createSessionRepository(trx).deleteAllForUser(user.id);
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.password_reset",
          client,
          metadata: { endedSessions: ended },
        });
        await outbox.enqueue(trx, mails.passwordChanged(user, origin()));
        await announceSessionChange(trx, { userId: user.id }, "revoked");
        return verified?.user ?? user;
      });
    },

    /** What a live verification link is about; undefined when it is dead, used or forged. */
    async verificationLink(token: AccountToken): Promise<VerificationLink | undefined> {
      const live = await tokens.peek(token, "email_verification");
      const user = live && (await users.findById(live.userId));
      return live && user ? { email: live.email, change: live.email !== user.email } : undefined;
    },

    /**
     * Follows a verification link: proves the account's address (a sign-up is then confirmed; a
     * guest following it is signed in), or moves the account to its new address, which only its
     * owner may do: `auth:unauthenticated` for anyone else, `account:email_taken` when another
     * account took the address meanwhile.
     */
    async confirmEmail(token: AccountToken, viewer: User | null, client: ClientInfo): Promise<EmailConfirmation> {
      const live = await tokens.peek(token, "email_verification");
      const owner = live && (await users.findById(live.userId));
      if (!live || !owner) throw new AppError("auth:link_invalid");
      const change = live.email !== owner.email;
      // A mistyped new address must not hand the account to whoever reads that mailbox.
      if (change && viewer?.id !== owner.id) throw new AppError("auth:unauthenticated");
      const confirmation = await db.transaction().execute(async (trx): Promise<EmailConfirmation> => {
        const spent = await createAccountTokenRepository(trx).spend(token, "email_verification");
        if (!spent || spent.userId !== owner.id) throw new AppError("auth:link_invalid");
        const trxUsers = createUserRepository(trx);
        const trxAudit = createAuditRepository(trx);
        if (change) {
          await trxUsers.removePendingRegistration(spent.email);
          const moved = await trxUsers.changeEmail(owner.id, spent.email);
          if (moved === "taken") throw new AppError("account:email_taken");
          if (!moved) throw new AppError("auth:link_invalid");
          await trxAudit.record({
            actorId: owner.id,
            action: "auth.email_changed",
            client,
            resource: { type: "user", id: owner.id },
            metadata: { from: owner.email, to: moved.email },
          });
          await outbox.enqueue(trx, mails.emailChanged(moved, owner.email));
          return { outcome: "changed", user: moved };
        }
        const verified = await trxUsers.markEmailVerified(owner.id, spent.email);
        if (!verified) throw new AppError("auth:link_invalid");
        await trxAudit.record({
          actorId: owner.id,
          action: "auth.email_verified",
          client,
          metadata: { email: spent.email, registration: verified.wasPending },
        });
        return { outcome: "verified", user: verified.user, signIn: verified.wasPending && viewer === null };
      });
      // A proven address is when ADMIN_EMAILS may apply (decision 0022), whether it was a sign-up's, a
      // member's resent link or a new address.
      return { ...confirmation, user: await accounts.applyAdminList(confirmation.user, client) };
    },

    /** "Send the link again" (the banner): a new link to the account's current address; `auth:verification_throttled` past 3 an hour. */
    async resendVerification(user: User, client: ClientInfo): Promise<void> {
      if (isEmailVerified(user)) return;
      const verdict = await throttle.verificationMail(user.id);
      if (!verdict.allowed) throw new AppError("auth:verification_throttled", verdict.retryAfterSecs);
      await db.transaction().execute(async (trx) => {
        const token = await createAccountTokenRepository(trx).issue(user.id, "email_verification", user.email);
        await outbox.enqueue(trx, mails.verifyEmail(user, linkTo(origin(), "/verify-email", { token })));
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.email_verification_sent",
          client,
          metadata: { email: user.email },
        });
      });
    },

    /**
     * A new address, after `confirmIdentity`: a link goes to it, and the account keeps its address
     * until the link is followed. If the address belongs to another account, its owner is told
     * instead; the member's answer, and what becomes of earlier links, is the same either way.
     */
    async requestEmailChange(user: User, email: Email, proof: IdentityProof, client: ClientInfo): Promise<void> {
      if (email === user.email) throw new AppError("account:email_unchanged");
      await accounts.confirmIdentity(user, proof, "change_email", client);
      const verdict = await throttle.verificationMail(user.id);
      if (!verdict.allowed) throw new AppError("auth:verification_throttled", verdict.retryAfterSecs);
      await db.transaction().execute(async (trx) => {
        const trxTokens = createAccountTokenRepository(trx);
        await trxTokens.revokeAll(user.id, "email_verification");
        const holder = await createUserRepository(trx).findCredentials(email);
        if (holder && !holder.pending) {
          await outbox.enqueue(trx, mails.addressInUse(holder.user, origin()));
        } else {
          const token = await trxTokens.issue(user.id, "email_verification", email);
          await outbox.enqueue(trx, mails.confirmNewEmail(user, email, linkTo(origin(), "/verify-email", { token })));
        }
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.email_change_requested",
          client,
          metadata: { to: email },
        });
      });
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
