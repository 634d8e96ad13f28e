import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import {
  BACKUP_CODE_COUNT,
  hashBackupCode,
  isFresh,
  matchingStep,
  newBackupCodes,
  newTotpSecret,
  otpauthUri,
  secondFactorSchema,
  timeStepAt,
  totpCodeSchema,
  type BackupCode,
  type TotpSecret,
} from "#app/models/two-factor.ts";

/** An independent authenticator app: otpauth with the RFC defaults, fed only the base32 secret. */
const app = (secret: TotpSecret) => new TOTP({ secret: Secret.fromBase32(secret) });
const NOW = new Date("2026-11-21T12:00:10Z");
const codeAt = (secret: TotpSecret, stepOffset: number) =>
  totpCodeSchema.parse(app(secret).generate({ timestamp: NOW.getTime() + stepOffset * 30_000 }));

describe("TOTP codes", () => {
  const secret = newTotpSecret();

  it("makes 160-bit base32 secrets and an otpauth URI with issuer glassbox and the account email", () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(otpauthUri(secret, "ada@example.com"));
    expect(`${uri.protocol}//${uri.host}`).toBe("otpauth://totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/glassbox:ada@example.com");
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({
      issuer: "glassbox",
      secret,
      digits: "6",
      period: "30",
      algorithm: "SHA1",
    });
  });

  it("accepts the current step and one step either side (clock drift), naming the step the code belongs to", () => {
    const step = timeStepAt(NOW);
    expect(matchingStep(secret, codeAt(secret, 0), NOW)).toBe(step);
    expect(matchingStep(secret, codeAt(secret, -1), NOW)).toBe(step - 1);
    expect(matchingStep(secret, codeAt(secret, 1), NOW)).toBe(step + 1);
  });

  it("refuses codes two steps away, and codes of another secret", () => {
    expect(matchingStep(secret, codeAt(secret, -2), NOW)).toBeNull();
    expect(matchingStep(secret, codeAt(secret, 2), NOW)).toBeNull();
    const other = newTotpSecret();
    const foreign = codeAt(other, 0);
    // Two secrets can share a code for a step by chance (1 in a million); only then is this check moot.
    if (foreign !== codeAt(secret, 0) && foreign !== codeAt(secret, -1) && foreign !== codeAt(secret, 1)) {
      expect(matchingStep(secret, foreign, NOW)).toBeNull();
    }
  });

  it("accepts a step once: only steps after the last accepted one are fresh", () => {
    expect(isFresh(100, null)).toBe(true);
    expect(isFresh(101, 100)).toBe(true);
    expect(isFresh(100, 100)).toBe(false);
    expect(isFresh(99, 100)).toBe(false);
  });

  it("reads six digits, ignoring spaces, and nothing else", () => {
    expect(totpCodeSchema.parse(" 123 456 ")).toBe("123456");
    for (const bad of ["12345", "1234567", "12345a", "", "１２３４５６"])
      expect(totpCodeSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe("backup codes", () => {
  it(`makes ${BACKUP_CODE_COUNT} distinct codes of four groups of four unambiguous characters`, () => {
    const codes = newBackupCodes();
    expect(codes).toHaveLength(BACKUP_CODE_COUNT);
    expect(new Set(codes).size).toBe(BACKUP_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[2-9a-hjkmnp-z]{4}(-[2-9a-hjkmnp-z]{4}){3}$/);
  });

  it("stores a SHA-256 hash that matches the code however it is typed back, and no other code", () => {
    const [code, other] = newBackupCodes(2) as [BackupCode, BackupCode];
    const hash = hashBackupCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code.replace(/-/g, ""));
    const typed = ` ${code.toUpperCase().replace(/-/g, " ")} `;
    const parsed = secondFactorSchema.parse(typed);
    expect(parsed.kind).toBe("backup");
    expect(hashBackupCode(parsed.code as BackupCode)).toBe(hash);
    expect(hashBackupCode(other)).not.toBe(hash);
  });

  it("tells a TOTP code from a backup code, and refuses anything else with a message", () => {
    expect(secondFactorSchema.parse("123456")).toEqual({ kind: "totp", code: "123456" });
    expect(secondFactorSchema.parse("abcd-efgh-jkmn-pqrs").kind).toBe("backup");
    for (const bad of ["", "12345", "abcd-efgh-jkmn-pqr", "abcd-efgh-jkmn-pqr0", "abcd-efgh-jkmn-pqrs-t"]) {
      const result = secondFactorSchema.safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/6-digit code .* backup codes/);
    }
  });
});
