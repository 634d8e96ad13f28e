import { randomBytes } from "node:crypto";
import { z } from "zod";
import { usernameSchema, type Email, type Username } from "./user.ts";

/** Signing in through another service's account (OAuth 2): providers, identities, connections. */

export const oauthProviders = ["github"] as const;
export type OAuthProvider = (typeof oauthProviders)[number];

/** Who GitHub says the visitor is: the stable numeric id (as text), the login, the verified primary email. */
export interface GitHubIdentity {
  readonly id: string;
  readonly login: string;
  /** Null when GitHub has no verified primary email for the account. */
  readonly email: Email | null;
}

/** An account of a provider linked to a glassbox account. */
export interface OAuthConnection {
  readonly provider: OAuthProvider;
  readonly login: string;
  readonly createdAt: Date;
}

/** Where GitHub's OAuth web flow and API live (configurable, so tests point them at a local fake). */
export interface GitHubSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly apiUrl: string;
  /** The absolute callback URL registered with GitHub; unset: this request's origin + /auth/github/callback. */
  readonly callbackUrl: string | undefined;
}

/** What GitHub's `/user` and `/user/emails` answer (only the fields we read). */
export const gitHubUserSchema = z.object({ id: z.number().int().positive(), login: z.string().min(1).max(100) });
export const gitHubEmailsSchema = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

const MIN = 3;
const MAX = 20;

/**
 * Usernames for an account made from a GitHub login, best first: the login made valid (lowercase,
 * `-` as `_`, other characters dropped, padded to 3, cut to 20), then with `_2` … `_9`, then with
 * random suffixes. Each one passes `usernameSchema`; the caller takes the first that is free.
 */
export function* usernameCandidates(login: string): Generator<Username> {
  let base = login.toLowerCase().replace(/-/g, "_").replace(/[^a-z0-9_]/g, "").slice(0, MAX);
  if (base.length < MIN) base = `${base}_gh`.padEnd(MIN, "_");
  const withSuffix = (suffix: string) => usernameSchema.parse(`${base.slice(0, MAX - suffix.length)}${suffix}`);
  yield usernameSchema.parse(base);
  for (let n = 2; n <= 9; n += 1) yield withSuffix(`_${n}`);
  for (;;) yield withSuffix(`_${randomBytes(3).toString("hex")}`);
}
