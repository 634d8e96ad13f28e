import type { Kysely } from "kysely";
import { createAuditRepository } from "../models/audit-repository.ts";
import { attemptSourceOf } from "../models/account-lockout.ts";
import type { ClientInfo } from "../models/client-info.ts";
import type { Database } from "../models/database.ts";
import { AppError } from "../models/errors.ts";
import type { LoginThrottle } from "../models/login-throttle.ts";
import type { SignupThrottle } from "../models/signup-throttle.ts";
import { createSessionRepository, sessionHandle, type SessionSummary } from "../models/session-repository.ts";
import { createUserRepository, type CreateUserResult } from "../models/user-repository.ts";
import type { Email, Password, PasswordAttempt, User, UserId, Username } from "../models/user.ts";
import { mails, type MailOutbox } from "./mail.ts";
import type { PasswordHasher } from "./password-hashing.ts";

/** Registration, sign-in, and what a member does with their own account and sessions. */
export interface AccountsDeps {
  readonly db: Kysely<Database>;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly signups: SignupThrottle;
  /** ADMIN_EMAILS, lowercased: these accounts are admins. */
  readonly adminEmails: ReadonlySet<string>;
  /** Welcome and password-change mails, enqueued in the same transaction. */
  readonly outbox: MailOutbox;
}

export interface Registration {
  readonly username: Username;
  readonly email: Email;
  readonly password: Password;
}

export interface Credentials {
  readonly email: Email;
  readonly password: PasswordAttempt;
}

export interface SessionView extends SessionSummary {
  /** The session this request came with ("this device"). */
  readonly current: boolean;
}

export function createAccountsService({ db, hasher, throttle, signups, adminEmails, outbox }: AccountsDeps) {
  const users = createUserRepository(db);
  const sessions = createSessionRepository(db);
  const audit = createAuditRepository(db);

  /** ADMIN_EMAILS is applied when such an account signs in, so the list can grow after sign-up. */
  async function applyAdminList(user: User, client: ClientInfo): Promise<User> {
    if (user.role === "admin" || !adminEmails.has(user.email)) return user;
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

  /**
   * Counts the attempt against the throttle (a device that signed in to this account before counts
   * against itself alone), then checks the password; throws the catalogue error when refused.
   */
  async function checkPassword(email: Email, attempt: PasswordAttempt, client: ClientInfo) {
    const found = await users.findCredentials(email);
    const source = attemptSourceOf(client, found?.user.id);
    const verdict = await throttle.attempt(email, source);
    if (!verdict.allowed) {
      await audit.record({ actorId: null, action: "auth.login_failed", client, metadata: { email, reason: "throttled" } });
      throw new AppError("auth:throttled", verdict.retryAfterSecs);
    }
    // An account without a password (made through GitHub) fails like a wrong password, after the same work.
    const passwordHash = found?.passwordHash ?? undefined;
    const matches = await hasher.verify(passwordHash, attempt);
    if (found && passwordHash && matches) return { user: found.user, passwordHash, source };
    await audit.record({
      actorId: found?.user.id ?? null,
      action: "auth.login_failed",
      client,
      metadata: { email, reason: !found ? "unknown_email" : passwordHash ? "wrong_password" : "no_password" },
    });
    return undefined;
  }

  return {
    /** Creates the account, or reports a taken username or email; throws `auth:signup_throttled` past the address's limit. */
    async register(registration: Registration, client: ClientInfo): Promise<CreateUserResult> {
      // Counted before the (deliberately slow) hash, so a flood costs one upsert per attempt.
      const verdict = await signups.attempt(client.ip);
      if (!verdict.allowed) throw new AppError("auth:signup_throttled", verdict.retryAfterSecs);
      const passwordHash = await hasher.hash(registration.password);
      const role = adminEmails.has(registration.email) ? "admin" : "member";
      return db.transaction().execute(async (trx) => {
        const result = await createUserRepository(trx).create({ ...registration, passwordHash, role });
        if (result.ok) {
          await createAuditRepository(trx).record({
            actorId: result.user.id,
            action: "auth.register",
            client,
            metadata: { username: registration.username, email: registration.email, role },
          });
          await outbox.enqueue(trx, mails.welcome(result.user));
        }
        return result;
      });
    },

    /** The signed-in user, or throws `auth:invalid_credentials` / `auth:throttled`. */
    async login({ email, password }: Credentials, client: ClientInfo): Promise<User> {
      const found = await checkPassword(email, password, client);
      if (!found) throw new AppError("auth:invalid_credentials");
      await throttle.succeeded(email, found.source);
      if (hasher.isOutdated(found.passwordHash)) await users.setPasswordHash(found.user.id, await hasher.hash(password));
      const user = await applyAdminList(found.user, client);
      await audit.record({ actorId: user.id, action: "auth.login", client });
      return user;
    },

    findUser: (id: UserId): Promise<User | undefined> => users.findById(id),

    /** For other ways of signing in (GitHub): ADMIN_EMAILS applies to them too. */
    applyAdminList,

    async recordLogout(user: User, client: ClientInfo): Promise<void> {
      await audit.record({ actorId: user.id, action: "auth.logout", client });
    },

    async listSessions(user: User, currentSessionId: string): Promise<SessionView[]> {
      const current = sessionHandle(currentSessionId);
      return (await sessions.listForUser(user.id)).map((session) => ({ ...session, current: session.handle === current }));
    },

    async revokeSession(user: User, handle: string, client: ClientInfo): Promise<void> {
      if (!(await sessions.deleteByHandle(user.id, handle))) throw new AppError("session:not_found");
      await audit.record({ actorId: user.id, action: "auth.session_revoked", client, metadata: { session: handle } });
    },

    /** "Sign out everywhere else": returns how many sessions ended. */
    async revokeOtherSessions(user: User, currentSessionId: string, client: ClientInfo): Promise<number> {
      const ended = await sessions.deleteOthers(user.id, currentSessionId);
      await audit.record({ actorId: user.id, action: "auth.session_revoked", client, metadata: { scope: "others", ended } });
      return ended;
    },

    /** False for an account made through GitHub that has not set a password yet. */
    hasPassword: async (user: User): Promise<boolean> => (await users.passwordHashOf(user.id)) !== undefined,

    /**
     * Requires the current password (throttled like a sign-in) when the account has one; an account
     * without one (made through GitHub) sets its first. Ends every other session.
     */
    async changePassword(user: User, current: PasswordAttempt | undefined, next: Password, currentSessionId: string, client: ClientInfo): Promise<void> {
      if ((await users.passwordHashOf(user.id)) !== undefined) {
        const checked = current && (await checkPassword(user.email, current, client));
        if (!checked) throw new AppError("auth:wrong_password");
        await throttle.succeeded(user.email, checked.source);
      }
      const passwordHash = await hasher.hash(next);
      await db.transaction().execute(async (trx) => {
        await createUserRepository(trx).setPasswordHash(user.id, passwordHash);
        const ended = await createSessionRepository(trx).deleteOthers(user.id, currentSessionId);
        await createAuditRepository(trx).record({ actorId: user.id, action: "auth.password_changed", client, metadata: { endedSessions: ended } });
        await outbox.enqueue(trx, mails.passwordChanged(user));
      });
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
