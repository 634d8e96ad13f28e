import { describe, expect, it } from "vitest";
import {
  canChangeRole,
  displayNameSchema,
  emailSchema,
  hasRole,
  passwordAttemptSchema,
  passwordSchema,
  usernameSchema,
} from "#app/models/user.ts";

describe("account rules", () => {
  it("trims and lowercases usernames of 3-20 a-z 0-9 _", () => {
    expect(usernameSchema.parse("  Ada_Lovelace1 ")).toBe("ada_lovelace1");
    for (const bad of ["ab", "a".repeat(21), "ada lovelace", "ada-l", "ádá", ""]) {
      expect(usernameSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("trims and lowercases emails and rejects invalid ones", () => {
    expect(emailSchema.parse(" Ada@Example.COM ")).toBe("ada@example.com");
    for (const bad of ["ada", "ada@", "@example.com", "a b@example.com", `${"a".repeat(250)}@example.com`]) {
      expect(emailSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("wants passwords of at least 12 characters and at most 1024 bytes", () => {
    expect(passwordSchema.safeParse("correct horse").success).toBe(true);
    expect(passwordSchema.safeParse("short").success).toBe(false);
    expect(passwordSchema.safeParse("é".repeat(513)).success).toBe(false); // 1026 bytes
    expect(passwordSchema.safeParse("a".repeat(1024)).success).toBe(true);
  });

  it("accepts any non-empty password attempt within 1024 bytes, so old passwords still sign in", () => {
    expect(passwordAttemptSchema.safeParse("x").success).toBe(true);
    expect(passwordAttemptSchema.safeParse("").success).toBe(false);
    expect(passwordAttemptSchema.safeParse("é".repeat(513)).success).toBe(false);
  });

  it("ranks roles: admins may do what moderators may, moderators what members may", () => {
    expect(hasRole({ role: "admin" }, "moderator")).toBe(true);
    expect(hasRole({ role: "moderator" }, "member")).toBe(true);
    expect(hasRole({ role: "moderator" }, "admin")).toBe(false);
    expect(hasRole({ role: "member" }, "moderator")).toBe(false);
  });

  it("lets only admins make members moderators, and moderators members again", () => {
    expect(canChangeRole({ role: "admin" }, { role: "member" }, "promote")).toBe(true);
    expect(canChangeRole({ role: "moderator" }, { role: "member" }, "promote")).toBe(false);
    expect(canChangeRole({ role: "admin" }, { role: "admin" }, "promote")).toBe(false);
    expect(canChangeRole({ role: "admin" }, { role: "moderator" }, "demote")).toBe(true);
    expect(canChangeRole({ role: "moderator" }, { role: "moderator" }, "demote")).toBe(false);
    expect(canChangeRole({ role: "admin" }, { role: "admin" }, "demote")).toBe(false);
    expect(canChangeRole({ role: "admin" }, { role: "member" }, "demote")).toBe(false);
  });

  it("takes display names of 1–50 visible characters, trimmed", () => {
    expect(displayNameSchema.parse("  Ada Lovelace  ")).toBe("Ada Lovelace");
    expect(displayNameSchema.safeParse("   ").success).toBe(false);
    expect(displayNameSchema.safeParse("x".repeat(51)).success).toBe(false);
    expect(displayNameSchema.safeParse("Ada\u202eecalevoL").success).toBe(false);
    expect(displayNameSchema.safeParse("line\nbreak").success).toBe(false);
  });
});
