import type { Kysely } from "kysely";
import { createAuditRepository } from "../models/audit-repository.ts";
import type { ClientInfo } from "../models/client-info.ts";
import type { Database } from "../models/database.ts";
import { AppError } from "../models/errors.ts";
import { createOAuthConnectionRepository } from "../models/oauth-connection-repository.ts";
import {
  gitHubEmailsSchema,
  gitHubUserSchema,
  usernameCandidates,
  type GitHubIdentity,
  type GitHubSettings,
  type OAuthConnection,
  type OAuthProvider,
} from "../models/oauth.ts";
import { createUserRepository } from "../models/user-repository.ts";
import { emailSchema, type User } from "../models/user.ts";
import type { AccountsService } from "./accounts.ts";

/**
 * Signing in with GitHub and linking GitHub to an account. The OAuth web flow itself (state, PKCE,
 * the code exchange) runs at the HTTP edge through remix-auth-oauth2 (app/sessions/github.ts);
 * what arrives here is the access token, then the identity GitHub vouches for.
 */
export interface OAuthDeps {
  readonly db: Kysely<Database>;
  /** Unset: GitHub sign-in is off (no button, the routes answer 404). */
  readonly github: GitHubSettings | undefined;
  readonly accounts: Pick<AccountsService, "applyAdminList" | "hasPassword">;
}

/** Candidate usernames tried before giving up; after `_9` they carry random suffixes, so this is never reached in practice. */
const USERNAME_ATTEMPTS = 20;
const API_TIMEOUT_MS = 10_000;

export function createOAuthService({ db, github, accounts }: OAuthDeps) {
  const connections = createOAuthConnectionRepository(db);
  const users = createUserRepository(db);
  const audit = createAuditRepository(db);

  async function getJson(settings: GitHubSettings, path: string, accessToken: string): Promise<unknown> {
    try {
      const response = await fetch(new URL(path, settings.apiUrl.endsWith("/") ? settings.apiUrl : `${settings.apiUrl}/`), {
        headers: {
          Accept: "application/vnd.github+json",
          Authorization: `Bearer ${accessToken}`,
          "User-Agent": "glassbox",
          "X-GitHub-Api-Version": "2022-11-28",
        },
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`GitHub answered ${response.status} for ${path}`);
      return await response.json();
    } catch {
      throw new AppError("oauth:provider_unavailable");
    }
  }

  /** Creates an account for a GitHub identity nobody has linked yet: no password, a username from the login. */
  async function register(identity: GitHubIdentity, client: ClientInfo): Promise<User> {
    // Never link to an existing account by email: whoever controls a GitHub account with that
    // address would take the account over. Its owner signs in with the password and links GitHub.
    if (!identity.email) throw new AppError("oauth:no_verified_email");
    const email = identity.email;
    if (await users.findByEmail(email)) throw new AppError("oauth:email_in_use");
    const created = await db.transaction().execute(async (trx) => {
      const trxUsers = createUserRepository(trx);
      const candidates = usernameCandidates(identity.login);
      for (let attempt = 0; attempt < USERNAME_ATTEMPTS; attempt += 1) {
        const username = candidates.next().value as User["username"];
        const result = await trxUsers.create({ username, email, passwordHash: null, role: "member" });
        if (!result.ok && result.taken === "email") throw new AppError("oauth:email_in_use");
        if (!result.ok) continue;
        const linked = await createOAuthConnectionRepository(trx).add({ userId: result.user.id, provider: "github", providerUserId: identity.id, login: identity.login });
        // Only when the same GitHub account signed up twice at once: this one rolls back.
        if (linked !== "added") throw new AppError("oauth:linked_to_other");
        const trxAudit = createAuditRepository(trx);
        await trxAudit.record({ actorId: result.user.id, action: "auth.register", client, metadata: { username, email, role: "member", via: "github" } });
        await trxAudit.record({ actorId: result.user.id, action: "auth.oauth_login", client, metadata: { provider: "github", login: identity.login, created: true } });
        return result.user;
      }
      throw new Error(`no free username for the GitHub login ${identity.login} after ${USERNAME_ATTEMPTS} attempts`);
    });
    return accounts.applyAdminList(created, client);
  }

  return {
    /** GitHub's settings, or undefined when GitHub sign-in is not configured. */
    github,

    /** Who the access token belongs to: `/user`, and the verified primary address from `/user/emails`. */
    async gitHubIdentity(accessToken: string): Promise<GitHubIdentity> {
      if (!github) throw new AppError("oauth:not_configured");
      const [user, emails] = await Promise.all([getJson(github, "user", accessToken), getJson(github, "user/emails", accessToken)]);
      const profile = gitHubUserSchema.safeParse(user);
      const addresses = gitHubEmailsSchema.safeParse(emails);
      if (!profile.success || !addresses.success) throw new AppError("oauth:provider_unavailable");
      const primary = addresses.data.find((entry) => entry.primary && entry.verified);
      const email = emailSchema.safeParse(primary?.email);
      return { id: String(profile.data.id), login: profile.data.login, email: email.success ? email.data : null };
    },

    /** The account linked to this GitHub identity, or a new one; throws `oauth:email_in_use` rather than linking by email. */
    async signInWithGitHub(identity: GitHubIdentity, client: ClientInfo): Promise<User> {
      const userId = await connections.userIdFor("github", identity.id, identity.login);
      const linked = userId && (await users.findById(userId));
      if (!linked) return register(identity, client);
      const user = await accounts.applyAdminList(linked, client);
      await audit.record({ actorId: user.id, action: "auth.oauth_login", client, metadata: { provider: "github", login: identity.login } });
      return user;
    },

    /** Links GitHub to a signed-in account; linking the same GitHub account again changes nothing. */
    async linkGitHub(user: User, identity: GitHubIdentity, client: ClientInfo): Promise<void> {
      const result = await connections.add({ userId: user.id, provider: "github", providerUserId: identity.id, login: identity.login });
      if (result === "linked_to_other") throw new AppError("oauth:linked_to_other");
      if (result === "provider_already_linked") throw new AppError("oauth:already_connected");
      if (result === "added") await audit.record({ actorId: user.id, action: "auth.oauth_linked", client, metadata: { provider: "github", login: identity.login } });
    },

    /** Refused when it would leave the account with no way to sign in (no password, no other provider). */
    async unlink(user: User, provider: OAuthProvider, client: ClientInfo): Promise<void> {
      const linked = await connections.listForUser(user.id);
      if (!linked.some((connection) => connection.provider === provider)) throw new AppError("oauth:not_connected");
      if (linked.length === 1 && !(await accounts.hasPassword(user))) throw new AppError("oauth:last_sign_in_method");
      const login = await connections.remove(user.id, provider);
      if (login === undefined) throw new AppError("oauth:not_connected");
      await audit.record({ actorId: user.id, action: "auth.oauth_unlinked", client, metadata: { provider, login } });
    },

    connectionsOf: (user: User): Promise<OAuthConnection[]> => connections.listForUser(user.id),
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
