import { createHash, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { z } from "zod";

/**
 * Two-factor rules (RFC 6238 TOTP through `otpauth`, and backup codes). Pure: time comes in as an
 * argument, storage is the repository's business.
 */
export const TOTP_ISSUER = "glassbox";
const PERIOD_SECS = 30;
/** Codes of the step before and after the server's are accepted too (clocks drift). */
const DRIFT_STEPS = 1;
export const BACKUP_CODE_COUNT = 10;

/** A base32 TOTP secret of 160 bits (RFC 4226's recommended length). */
export type TotpSecret = string & z.$brand<"TotpSecret">;

export function newTotpSecret(): TotpSecret {
  return new Secret({ size: 20 }).base32 as TotpSecret;
}

function totpOf(secret: TotpSecret, accountName: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: accountName,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD_SECS,
    secret: Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUri(secret: TotpSecret, accountName: string): string {
  return totpOf(secret, accountName).toString();
}

/** The time step a moment falls in. */
export function timeStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / PERIOD_SECS);
}

/**
 * The time step whose code this is (within ±1 step of `now`), or null when it matches none.
 * Whether that step was already used is the caller's second check (`isFresh`).
 */
export function matchingStep(secret: TotpSecret, code: TotpCode, now: Date): number | null {
  const delta = totpOf(secret, "").validate({ token: code, timestamp: now.getTime(), window: DRIFT_STEPS });
  return delta === null ? null : timeStepAt(now) + delta;
}

/** A code is accepted once: only steps after the last accepted one count. */
export function isFresh(step: number, lastUsedStep: number | null): boolean {
  return lastUsedStep === null || step > lastUsedStep;
}

/** Six digits; spaces typed between groups are ignored. */
const ENTER_TOTP = "Enter the 6-digit code from your authenticator app";
export const totpCodeSchema = z
  .string({ error: ENTER_TOTP })
  .transform((value) => value.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, ENTER_TOTP))
  .brand<"TotpCode">();
export type TotpCode = z.infer<typeof totpCodeSchema>;

/**
 * Backup codes: 16 characters from 31 that are hard to confuse (no 0/o, 1/l/i), about 79 bits of
 * entropy, shown as four groups of four. That entropy is why a plain SHA-256 is enough to store
 * them (nothing to brute-force, unlike a password) and lets a code be found by its hash.
 */
const BACKUP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const BACKUP_LENGTH = 16;
const BACKUP_PATTERN = new RegExp(`^[${BACKUP_ALPHABET}]{${BACKUP_LENGTH}}$`);

export type BackupCode = string & z.$brand<"BackupCode">;

export function newBackupCodes(count = BACKUP_CODE_COUNT): BackupCode[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: BACKUP_LENGTH }, () => BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)]).join(
      "",
    );
    return (chars.match(/.{4}/g) ?? []).join("-") as BackupCode;
  });
}

/** Case, spaces and dashes do not matter when a backup code is typed back. */
function normaliseBackupCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, "");
}

export function hashBackupCode(code: BackupCode): string {
  return createHash("sha256").update(normaliseBackupCode(code)).digest("hex");
}

/** What the second step accepts: the app's current code, or one unused backup code. */
export type SecondFactor =
  { readonly kind: "totp"; readonly code: TotpCode } | { readonly kind: "backup"; readonly code: BackupCode };

const ENTER_EITHER = "Enter the 6-digit code from your authenticator app, or one of your backup codes";
export const secondFactorSchema = z.string({ error: ENTER_EITHER }).transform((value, ctx): SecondFactor => {
  const totp = totpCodeSchema.safeParse(value);
  if (totp.success) return { kind: "totp", code: totp.data };
  if (BACKUP_PATTERN.test(normaliseBackupCode(value))) return { kind: "backup", code: value as BackupCode };
  ctx.addIssue({ code: "custom", message: ENTER_EITHER });
  return z.NEVER;
});
