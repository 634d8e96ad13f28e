import type { Kysely } from "kysely";
import { createAccountTokenRepository } from "#app/models/account-token-repository.server.ts";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import { attemptSourceOf } from "#app/models/account-lockout.ts";
import { createChatRepository } from "#app/models/chat-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import type { LoginThrottle } from "#app/models/login-throttle.server.ts";
import { announceSessionChange } from "#app/models/session-events.ts";
import type { SignupThrottle } from "#app/models/signup-throttle.server.ts";
import { createSessionRepository, sessionHandle, type SessionSummary } from "#app/models/session-repository.server.ts";
import type { SecondFactor } from "#app/models/two-factor.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import {
  isEmailVerified,
  type DisplayName,
  type Email,
  type Password,
  type PasswordAttempt,
  type User,
  type UserId,
  type Username,
} from "#app/models/user.ts";
import { linkTo, mails, type MailOutbox } from "./mail.server.ts";
import type { PasswordHasher } from "./password-hashing.server.ts";

/** Registration, sign-in, and what a member does with their own account and sessions. */
export interface AccountsDeps {
  readonly db: Kysely<Database>;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly signups: SignupThrottle;
  /** ADMIN_EMAILS, lowercased: these accounts are admins. */
  readonly adminEmails: ReadonlySet<string>;
  /** Mails, enqueued in the same transaction as what they announce. */
  readonly outbox: MailOutbox;
  /** Where links in mails lead: PUBLIC_URL, else this server's own address (never a request's Host). */
  readonly origin: () => string;
  /** Two-factor, for the "is it you?" check before deleting an account or changing its address. */
  readonly secondFactor: {
    isEnabled(userId: UserId): Promise<boolean>;
    confirm(user: User, factor: SecondFactor, purpose: ConfirmedAction, client: ClientInfo): Promise<void>;
  };
}

export interface Registration {
  readonly username: Username;
  readonly email: Email;
  readonly password: Password;
}

/**
 * What registering answers. A taken email is not an answer: the page says "check your email" either
 * way and the address's owner gets a mail instead (docs/decisions/0018). A taken username is public
 * (chat shows usernames), so it is reported.
 */
export type RegistrationResult = { readonly ok: true } | { readonly ok: false; readonly taken: "username" };

export interface Credentials {
  readonly email: Email;
  readonly password: PasswordAttempt;
}

/** "Is it really you?" before a drastic change: the password, or a two-factor code; an account with neither types its username. */
export interface IdentityProof {
  readonly password?: PasswordAttempt;
  readonly secondFactor?: SecondFactor;
  readonly username?: string;
}
export type ConfirmedAction = "delete_account" | "change_email";

export interface SessionView extends SessionSummary {
  /** The session this request came with ("this device"). */
  readonly current: boolean;
}

/** Thrown inside the registration's transaction to roll it back when the username is taken. */
class UsernameTaken extends Error {}

export function createAccountsService({
  db,
  hasher,
  throttle,
  signups,
  adminEmails,
  outbox,
  origin,
  secondFactor,
}: AccountsDeps) {
  const users = createUserRepository(db);
  const sessions = createSessionRepository(db);
  const audit = createAuditRepository(db);

  /**
   * ADMIN_EMAILS is applied when such an account signs in or proves its address, so the list can
   * grow after sign-up; only to a proven address (a followed link, or a provider that vouches for
   * it): whoever registers a listed address first gains nothing by it (decision 0022).
   */
  async function applyAdminList(user: User, client: ClientInfo): Promise<User> {
    if (user.role === "admin" || !adminEmails.has(user.email) || !isEmailVerified(user)) return user;
    return db.transaction().execute(async (trx) => {
      const promoted = await createUserRepository(trx).changeRole(user.id, user.role, "admin");
      if (!promoted) return user;
      await createAuditRepository(trx).record({
        actorId: null,
        action: "auth.role_changed",
        client,
        metadata: { userId: user.id, username: user.username, from: user.role, to: "admin", reason: "ADMIN_EMAILS" },
      });
      return promoted;
    });
  }

  async function demoteUnproven(user: User): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const demoted = await createUserRepository(trx).changeRole(user.id, "admin", "member");
      if (!demoted) return false;
      await createAuditRepository(trx).record({
        actorId: null,
        action: "auth.role_changed",
        client: null,
        metadata: {
          userId: user.id,
          username: user.username,
          from: "admin",
          to: "member",
          reason: "ADMIN_EMAILS address not proven",
        },
      });
      return true;
    });
  }

  /**
   * Counts the attempt against the throttle (a device that signed in to this account before counts
   * against itself alone), then checks the password; throws the catalogue error when refused.
   */
  async function checkPassword(email: Email, attempt: PasswordAttempt, client: ClientInfo) {
    const found = await users.findCredentials(email);
    const source = attemptSourceOf(client, found?.user.id);
    const verdict = await throttle.attempt(email, source);
    if (!verdict.allowed) {
      await audit.record({
        actorId: null,
        action: "auth.login_failed",
        client,
        metadata: { email, reason: "throttled" },
      });
      throw new AppError("auth:throttled", verdict.retryAfterSecs);
    }
    // An account without a password (made through GitHub or Google) fails like a wrong password,
    // after the same work; so does a registration not confirmed yet (else signing in would tell a
    // stranger who just "registered" a taken address that it was taken).
    const passwordHash = found?.passwordHash ?? undefined;
    const matches = await hasher.verify(passwordHash, attempt);
    if (found && passwordHash && matches && !found.pending) return { user: found.user, passwordHash, source };
    await audit.record({
      actorId: found?.user.id ?? null,
      action: "auth.login_failed",
      client,
      metadata: {
        email,
        reason: !found ? "unknown_email" : !passwordHash ? "no_password" : !matches ? "wrong_password" : "unconfirmed",
      },
    });
    return undefined;
  }

  /** Ends sessions and tells the account's open tabs (every instance) at commit. */
  const announceRevoked = (trx: Kysely<Database>, userId: UserId) => announceSessionChange(trx, { userId }, "revoked");

  async function confirmIdentity(
    user: User,
    proof: IdentityProof,
    action: ConfirmedAction,
    client: ClientInfo,
  ): Promise<void> {
    const hasPassword = (await users.passwordHashOf(user.id)) !== undefined;
    const twoFactorOn = await secondFactor.isEnabled(user.id);
    if (proof.password && hasPassword) {
      const checked = await checkPassword(user.email, proof.password, client);
      if (!checked) throw new AppError("auth:wrong_password");
      return throttle.succeeded(user.email, checked.source);
    }
    if (proof.secondFactor && twoFactorOn) return secondFactor.confirm(user, proof.secondFactor, action, client);
    if (!hasPassword && !twoFactorOn) {
      if (proof.username?.trim().toLowerCase() === user.username) return;
      throw new AppError("account:confirmation_mismatch");
    }
    throw new AppError("account:confirmation_required");
  }

  return {
    /**
     * Starts an account that waits for its confirmation link, or mails the address's owner that
     * someone tried: the caller answers both the same way. Throws `auth:signup_throttled` past the
     * address's limit. `next` is where the confirmation link leads after signing in.
     */
    async register(registration: Registration, client: ClientInfo, next: string): Promise<RegistrationResult> {
      // Counted before the (deliberately slow) hash, so a flood costs one upsert per attempt.
      const verdict = await signups.attempt(client.ip);
      if (!verdict.allowed) throw new AppError("auth:signup_throttled", verdict.retryAfterSecs);
      const passwordHash = await hasher.hash(registration.password);
      // Never admin at sign-up: the address is not proven yet (applyAdminList, at its confirmation).
      const role = "member" as const;
      try {
        await db.transaction().execute(async (trx) => {
          const trxUsers = createUserRepository(trx);
          const trxAudit = createAuditRepository(trx);
          // A registration never confirmed does not hold its address: the newer one takes it.
          await trxUsers.removePendingRegistration(registration.email);
          const result = await trxUsers.create({ ...registration, passwordHash, role, pending: true });
          if (!result.ok && result.taken === "username") throw new UsernameTaken();
          if (result.ok) {
            const token = await createAccountTokenRepository(trx).issue(
              result.user.id,
              "email_verification",
              registration.email,
            );
            await trxAudit.record({
              actorId: result.user.id,
              action: "auth.register",
              client,
              metadata: { username: registration.username, email: registration.email, role },
            });
            await outbox.enqueue(trx, mails.welcome(result.user, linkTo(origin(), "/verify-email", { token, next })));
            return;
          }
          const owner = await trxUsers.findByEmail(registration.email);
          if (!owner) throw new Error("the email was reported taken, but no account has it");
          await trxAudit.record({
            actorId: null,
            action: "auth.register_refused",
            client,
            resource: { type: "user", id: owner.id },
            metadata: { username: registration.username, reason: "email_taken" },
          });
          await outbox.enqueue(trx, mails.alreadyRegistered(owner, origin()));
        });
      } catch (error) {
        if (error instanceof UsernameTaken) return { ok: false, taken: "username" };
        throw error;
      }
      return { ok: true };
    },

    /** The signed-in user, or throws `auth:invalid_credentials` / `auth:throttled`. */
    async login({ email, password }: Credentials, client: ClientInfo): Promise<User> {
      const found = await checkPassword(email, password, client);
      if (!found) throw new AppError("auth:invalid_credentials");
      await throttle.succeeded(email, found.source);
      if (hasher.isOutdated(found.passwordHash))
        await users.setPasswordHash(found.user.id, await hasher.hash(password));
      const user = await applyAdminList(found.user, client);
      await audit.record({ actorId: user.id, action: "auth.login", client });
      return user;
    },

    findUser: (id: UserId): Promise<User | undefined> => users.findById(id),

    /** For other ways of signing in (GitHub, Google, a confirmation link): ADMIN_EMAILS applies to them too. */
    applyAdminList,

    /**
     * At start: which ADMIN_EMAILS addresses no account holds yet, and which are held by an account
     * whose address is not proven. Such an account that is an admin (from before addresses were
     * proven) becomes a member again, audited: it holds the role only once it proves the address.
     */
    async reviewAdminList(): Promise<{ unclaimed: string[]; unverified: string[]; demoted: string[] }> {
      const report = { unclaimed: [] as string[], unverified: [] as string[], demoted: [] as string[] };
      for (const email of adminEmails) {
        const user = await users.findByEmail(email as Email);
        if (!user) report.unclaimed.push(email);
        else if (!isEmailVerified(user)) {
          report.unverified.push(email);
          if (user.role === "admin" && (await demoteUnproven(user))) report.demoted.push(email);
        }
      }
      return report;
    },

    async recordLogout(user: User, client: ClientInfo): Promise<void> {
      await audit.record({ actorId: user.id, action: "auth.logout", client });
    },

    async listSessions(user: User, currentSessionId: string): Promise<SessionView[]> {
      const current = sessionHandle(currentSessionId);
      return (await sessions.listForUser(user.id)).map((session) => ({
        ...session,
        current: session.handle === current,
      }));
    },

    async revokeSession(user: User, handle: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (!(await createSessionRepository(trx).deleteByHandle(user.id, handle)))
          throw new AppError("session:not_found");
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.session_revoked",
          client,
          metadata: { session: handle },
        });
        await announceRevoked(trx, user.id);
      });
    },

    /** "Sign out everywhere else": returns how many sessions ended. */
    async revokeOtherSessions(user: User, currentSessionId: string, client: ClientInfo): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const ended = await createSessionRepository(trx).deleteOthers(user.id, currentSessionId);
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.session_revoked",
          client,
          metadata: { scope: "others", ended },
        });
        if (ended > 0) await announceRevoked(trx, user.id);
        return ended;
      });
    },

    /** False for an account made through GitHub or Google that has not set a password yet. */
    hasPassword: async (user: User): Promise<boolean> => (await users.passwordHashOf(user.id)) !== undefined,

    /**
     * Requires the current password (throttled like a sign-in) when the account has one; an account
     * without one (made through GitHub or Google) sets its first. Ends every other session.
     */
    async changePassword(
      user: User,
      current: PasswordAttempt | undefined,
      next: Password,
      currentSessionId: string,
      client: ClientInfo,
    ): Promise<void> {
      if ((await users.passwordHashOf(user.id)) !== undefined) {
        const checked = current && (await checkPassword(user.email, current, client));
        if (!checked) throw new AppError("auth:wrong_password");
        await throttle.succeeded(user.email, checked.source);
      }
      const passwordHash = await hasher.hash(next);
      await db.transaction().execute(async (trx) => {
        await createUserRepository(trx).setPasswordHash(user.id, passwordHash);
        const ended = await createSessionRepository(trx).deleteOthers(user.id, currentSessionId);
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.password_changed",
          client,
          metadata: { endedSessions: ended },
        });
        await outbox.enqueue(trx, mails.passwordChanged(user, origin()));
        if (ended > 0) await announceRevoked(trx, user.id);
      });
    },

    /** The name shown in the header and on the account page; null goes back to the username. */
    async setDisplayName(user: User, displayName: DisplayName | null, client: ClientInfo): Promise<User> {
      return db.transaction().execute(async (trx) => {
        const updated = await createUserRepository(trx).setDisplayName(user.id, displayName);
        if (!updated) throw new AppError("account:not_found");
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.display_name_changed",
          client,
          metadata: { from: user.displayName, to: displayName },
        });
        return updated;
      });
    },

    /** The password, a two-factor code or (for an account with neither) the typed username; throws the catalogue error. */
    confirmIdentity,

    /**
     * Deletes the account after `confirmIdentity`: its sessions, connections, two-factor settings
     * and links go with it; its chat messages stay, signed "deleted user"; the action log keeps the
     * entry. Every open tab of the account is told.
     */
    async deleteAccount(user: User, proof: IdentityProof, client: ClientInfo): Promise<void> {
      await confirmIdentity(user, proof, "delete_account", client);
      await db.transaction().execute(async (trx) => {
        const messages = await createChatRepository(trx).anonymiseAuthor(user.id);
        const ended = await createSessionRepository(trx).deleteAllForUser(user.id);
        await createAuditRepository(trx).record({
          actorId: user.id,
          action: "auth.account_deleted",
          client,
          resource: { type: "user", id: user.id },
          metadata: { username: user.username, endedSessions: ended, chatMessages: messages },
        });
        if (!(await createUserRepository(trx).remove(user.id))) throw new AppError("account:not_found");
        await outbox.enqueue(trx, mails.accountDeleted(user));
        await announceRevoked(trx, user.id);
      });
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
