import { z } from "zod";
import { AppError, type ErrorCode } from "./errors.ts";
import { usernameSchema, type Email, type Username } from "./user.ts";

/** Signing in through another service's account (OAuth 2): providers, identities, connections. */

export const oauthProviders = ["github", "google"] as const;
export type OAuthProvider = (typeof oauthProviders)[number];
export const oauthProviderSchema = z.enum(oauthProviders);

/** How each provider is named to people (buttons, messages). */
export const providerNames: Record<OAuthProvider, string> = { github: "GitHub", google: "Google" };

/** A catalogue error whose message names the provider ("GitHub did not authorize glassbox …"). */
export const oauthError = (code: ErrorCode, provider: OAuthProvider): AppError =>
  new AppError(code, undefined, { provider: providerNames[provider] });

/** What glassbox asks each provider for: who the account is and its verified address, nothing else. */
export const providerScopes: Record<OAuthProvider, readonly string[]> = {
  github: ["read:user", "user:email"],
  google: ["openid", "email"],
};

/**
 * Who a provider says the visitor is: its stable account id (as text), a login to show (GitHub's
 * login; Google's address), and the address the provider marks verified.
 */
export interface OAuthIdentity {
  readonly provider: OAuthProvider;
  readonly id: string;
  readonly login: string;
  /** Null when the provider vouches for no address. */
  readonly email: Email | null;
}

/** An account of a provider linked to a glassbox account. */
export interface OAuthConnection {
  readonly provider: OAuthProvider;
  readonly login: string;
  readonly createdAt: Date;
}

/** Where a provider's OAuth web flow lives (configurable, so tests point it at a local fake). */
export interface OAuthClientSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** The absolute callback URL registered with the provider; unset: this request's origin + /auth/<provider>/callback. */
  readonly callbackUrl: string | undefined;
}

export interface GitHubSettings extends OAuthClientSettings {
  /** `/user` and `/user/emails` live here. */
  readonly apiUrl: string;
}

export interface GoogleSettings extends OAuthClientSettings {
  /** OpenID Connect's userinfo endpoint: `sub`, `email`, `email_verified`. */
  readonly userinfoUrl: string;
}

/** The providers this deployment has configured; a missing one is off (no button, its routes answer 404). */
export interface OAuthSettings {
  readonly github?: GitHubSettings;
  readonly google?: GoogleSettings;
}

/** What GitHub's `/user` and `/user/emails` answer (only the fields we read). */
export const gitHubUserSchema = z.object({ id: z.number().int().positive(), login: z.string().min(1).max(100) });
export const gitHubEmailsSchema = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

/** What Google's userinfo answers (only the fields we read); `email_verified` is a boolean, once a string. */
export const googleUserinfoSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().max(320).optional(),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]).optional(),
});

const MIN = 3;
const MAX = 20;

/**
 * Usernames for an account made from a provider login (GitHub's login, the local part of a Google
 * address), best first: the login made valid (lowercase, `-` as `_`, other characters dropped,
 * padded to 3, cut to 20), then with `_2` … `_9`, then with random suffixes. Each one passes
 * `usernameSchema`; the caller takes the first that is free.
 */
export function* usernameCandidates(login: string): Generator<Username> {
  let base = login
    .toLowerCase()
    .replace(/-/g, "_")
    .replace(/[^a-z0-9_]/g, "")
    .slice(0, MAX);
  if (base.length < MIN) base = `${base}_gh`.padEnd(MIN, "_");
  const withSuffix = (suffix: string) => usernameSchema.parse(`${base.slice(0, MAX - suffix.length)}${suffix}`);
  yield usernameSchema.parse(base);
  for (let n = 2; n <= 9; n += 1) yield withSuffix(`_${n}`);
  // Web Crypto (not node:crypto): the provider names in this module also reach the browser.
  const randomHex = () =>
    Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (byte) => byte.toString(16).padStart(2, "0")).join(
      "",
    );
  for (;;) yield withSuffix(`_${randomHex()}`);
}
