import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * Single-use links mailed to an account's owner: a password reset (30 minutes) and an email
 * verification (24 hours: a sign-up's confirmation, a new address, or proving the current one).
 * The token is 256 bits from the CSPRNG, in the mail only; the database keeps its SHA-256, so a
 * leaked table opens nothing. With that entropy a slow hash buys nothing (as for backup codes).
 */
export const tokenPurposes = ["password_reset", "email_verification"] as const;
export type TokenPurpose = (typeof tokenPurposes)[number];

export const tokenLifetimeSecs: Record<TokenPurpose, number> = {
  password_reset: 30 * 60,
  email_verification: 24 * 60 * 60,
};

/** A token as it travels in a link: 43 base64url characters. Anything else is refused before any lookup. */
export const accountTokenSchema = z
  .string({ error: "This link is not complete." })
  .regex(/^[A-Za-z0-9_-]{43}$/, "This link is not complete.")
  .brand<"AccountToken">();
export type AccountToken = z.infer<typeof accountTokenSchema>;

export const newAccountToken = (): AccountToken => randomBytes(32).toString("base64url") as AccountToken;

export const hashAccountToken = (token: AccountToken): string => createHash("sha256").update(token).digest("hex");
