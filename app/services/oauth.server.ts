import type { Kysely } from "kysely";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { createOAuthConnectionRepository } from "#app/models/oauth-connection-repository.server.ts";
import {
  gitHubEmailsSchema,
  gitHubUserSchema,
  googleUserinfoSchema,
  oauthError,
  oauthProviders,
  usernameCandidates,
  type OAuthClientSettings,
  type OAuthConnection,
  type OAuthIdentity,
  type OAuthProvider,
  type OAuthSettings,
} from "#app/models/oauth.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import { emailSchema, isEmailVerified, type User } from "#app/models/user.ts";
import type { AccountsService } from "./accounts.server.ts";

/**
 * Signing in with GitHub or Google and linking them to an account. The OAuth web flow itself
 * (state, PKCE, the code exchange) runs at the HTTP edge through remix-auth-oauth2
 * (app/sessions/oauth-flow.server.ts); what arrives here is the access token, then the identity the
 * provider vouches for. An address the provider marks verified counts as verified here too.
 */
export interface OAuthDeps {
  readonly db: Kysely<Database>;
  /** The configured providers; a missing one is off (no button, its routes answer 404). */
  readonly providers: OAuthSettings;
  readonly accounts: Pick<AccountsService, "applyAdminList" | "hasPassword">;
}

/** Candidate usernames tried before giving up; after `_9` they carry random suffixes, so this is never reached in practice. */
const USERNAME_ATTEMPTS = 20;
const API_TIMEOUT_MS = 10_000;

export function createOAuthService({ db, providers, accounts }: OAuthDeps) {
  const connections = createOAuthConnectionRepository(db);
  const users = createUserRepository(db);
  const audit = createAuditRepository(db);

  async function getJson(
    provider: OAuthProvider,
    url: URL,
    accessToken: string,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    try {
      const response = await fetch(url, {
        headers: {
          Accept: "application/json",
          Authorization: `Bearer ${accessToken}`,
          "User-Agent": "glassbox",
          ...headers,
        },
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`${provider} answered ${response.status} for ${url.pathname}`);
      return await response.json();
    } catch {
      throw oauthError("oauth:provider_unavailable", provider);
    }
  }

  /** Who the token belongs to, per provider: GitHub's `/user` and verified primary address; Google's userinfo. */
  const identityReaders: Record<OAuthProvider, (accessToken: string) => Promise<OAuthIdentity>> = {
    async github(accessToken) {
      const settings = settingsOf("github") as NonNullable<OAuthSettings["github"]>;
      const base = settings.apiUrl.endsWith("/") ? settings.apiUrl : `${settings.apiUrl}/`;
      const headers = { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" };
      const [user, emails] = await Promise.all([
        getJson("github", new URL("user", base), accessToken, headers),
        getJson("github", new URL("user/emails", base), accessToken, headers),
      ]);
      const profile = gitHubUserSchema.safeParse(user);
      const addresses = gitHubEmailsSchema.safeParse(emails);
      if (!profile.success || !addresses.success) throw oauthError("oauth:provider_unavailable", "github");
      const primary = addresses.data.find((entry) => entry.primary && entry.verified);
      const email = emailSchema.safeParse(primary?.email);
      return {
        provider: "github",
        id: String(profile.data.id),
        login: profile.data.login,
        email: email.success ? email.data : null,
      };
    },
    async google(accessToken) {
      const settings = settingsOf("google") as NonNullable<OAuthSettings["google"]>;
      const info = googleUserinfoSchema.safeParse(await getJson("google", new URL(settings.userinfoUrl), accessToken));
      if (!info.success) throw oauthError("oauth:provider_unavailable", "google");
      const email = emailSchema.safeParse(info.data.email_verified ? info.data.email : undefined);
      return {
        provider: "google",
        id: info.data.sub,
        login: info.data.email ?? info.data.sub,
        email: email.success ? email.data : null,
      };
    },
  };

  function settingsOf(provider: OAuthProvider): OAuthClientSettings {
    const settings = providers[provider];
    if (!settings) throw oauthError("oauth:not_configured", provider);
    return settings;
  }

  /** Creates an account for an identity nobody has linked yet: no password, a username from the login, the provider's verified address. */
  async function register(identity: OAuthIdentity, client: ClientInfo): Promise<User> {
    const { provider } = identity;
    // Never link to an existing account by email: whoever controls a provider account with that
    // address would take the account over. Its owner signs in with the password and links it.
    if (!identity.email) throw oauthError("oauth:no_verified_email", provider);
    const email = identity.email;
    if (await users.findByEmail(email)) throw oauthError("oauth:email_in_use", provider);
    const created = await db.transaction().execute(async (trx) => {
      const trxUsers = createUserRepository(trx);
      const candidates = usernameCandidates(provider === "google" ? (email.split("@")[0] ?? "") : identity.login);
      for (let attempt = 0; attempt < USERNAME_ATTEMPTS; attempt += 1) {
        const username = candidates.next().value as User["username"];
        const result = await trxUsers.create({
          username,
          email,
          passwordHash: null,
          role: "member",
          emailVerified: true,
        });
        if (!result.ok && result.taken === "email") throw oauthError("oauth:email_in_use", provider);
        if (!result.ok) continue;
        const linked = await createOAuthConnectionRepository(trx).add({
          userId: result.user.id,
          provider,
          providerUserId: identity.id,
          login: identity.login,
        });
        // Only when the same provider account signed up twice at once: this one rolls back.
        if (linked !== "added") throw oauthError("oauth:linked_to_other", provider);
        const trxAudit = createAuditRepository(trx);
        await trxAudit.record({
          actorId: result.user.id,
          action: "auth.register",
          client,
          metadata: { username, email, role: "member", via: provider },
        });
        await trxAudit.record({
          actorId: result.user.id,
          action: "auth.oauth_login",
          client,
          metadata: { provider, login: identity.login, created: true },
        });
        return result.user;
      }
      throw new Error(
        `no free username for the ${provider} login ${identity.login} after ${USERNAME_ATTEMPTS} attempts`,
      );
    });
    return accounts.applyAdminList(created, client);
  }

  /** The provider vouches for the account's own address: it counts as verified (a sign-up waiting for its link is confirmed). */
  async function acceptVerifiedEmail(user: User, identity: OAuthIdentity, client: ClientInfo): Promise<User> {
    if (isEmailVerified(user) || identity.email !== user.email) return user;
    const verified = await users.markEmailVerified(user.id, user.email);
    if (!verified) return user;
    await audit.record({
      actorId: user.id,
      action: "auth.email_verified",
      client,
      metadata: { email: user.email, via: identity.provider },
    });
    return verified.user;
  }

  return {
    /** The providers this server offers, in a fixed order. */
    enabled: (): OAuthProvider[] => oauthProviders.filter((provider) => providers[provider] !== undefined),

    /** A provider's client settings; throws `oauth:not_configured` when it is off. */
    settingsOf,

    /** Who the access token belongs to, as the provider says. */
    identity: (provider: OAuthProvider, accessToken: string): Promise<OAuthIdentity> => (
      settingsOf(provider),
      identityReaders[provider](accessToken)
    ),

    /** The account linked to this identity, or a new one; throws `oauth:email_in_use` rather than linking by email. */
    async signIn(identity: OAuthIdentity, client: ClientInfo): Promise<User> {
      const userId = await connections.userIdFor(identity.provider, identity.id, identity.login);
      const linked = userId && (await users.findById(userId));
      if (!linked) return register(identity, client);
      const user = await accounts.applyAdminList(await acceptVerifiedEmail(linked, identity, client), client);
      await audit.record({
        actorId: user.id,
        action: "auth.oauth_login",
        client,
        metadata: { provider: identity.provider, login: identity.login },
      });
      return user;
    },

    /** Links the provider to a signed-in account; linking the same provider account again changes nothing. */
    async link(user: User, identity: OAuthIdentity, client: ClientInfo): Promise<void> {
      const { provider } = identity;
      const result = await connections.add({
        userId: user.id,
        provider,
        providerUserId: identity.id,
        login: identity.login,
      });
      if (result === "linked_to_other") throw oauthError("oauth:linked_to_other", provider);
      if (result === "provider_already_linked") throw oauthError("oauth:already_connected", provider);
      if (result === "added")
        await audit.record({
          actorId: user.id,
          action: "auth.oauth_linked",
          client,
          metadata: { provider, login: identity.login },
        });
      await acceptVerifiedEmail(user, identity, client);
    },

    /** Refused when it would leave the account with no way to sign in (no password, no other provider). */
    async unlink(user: User, provider: OAuthProvider, client: ClientInfo): Promise<void> {
      const linked = await connections.listForUser(user.id);
      if (!linked.some((connection) => connection.provider === provider))
        throw oauthError("oauth:not_connected", provider);
      if (linked.length === 1 && !(await accounts.hasPassword(user)))
        throw oauthError("oauth:last_sign_in_method", provider);
      const login = await connections.remove(user.id, provider);
      if (login === undefined) throw oauthError("oauth:not_connected", provider);
      await audit.record({ actorId: user.id, action: "auth.oauth_unlinked", client, metadata: { provider, login } });
    },

    connectionsOf: (user: User): Promise<OAuthConnection[]> => connections.listForUser(user.id),
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
