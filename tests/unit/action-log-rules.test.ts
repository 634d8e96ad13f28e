import { describe, expect, it } from "vitest";
import { actionLogIdSchema, inScope, scopeOf } from "#app/models/action-log.ts";
import type { UserId } from "#app/models/user.ts";

const ada = "6f1d8a36-4a7e-4d5b-9a55-0c7e0c1f6a01" as UserId;
const bob = "6f1d8a36-4a7e-4d5b-9a55-0c7e0c1f6a02" as UserId;

describe("action log rules", () => {
  it("lets admins read every entry and everyone else only their own actions", () => {
    expect(scopeOf({ id: ada, role: "admin" })).toEqual({ everyone: true });
    for (const role of ["member", "moderator"] as const) {
      const scope = scopeOf({ id: ada, role });
      expect(scope).toEqual({ actorId: ada });
      expect(inScope({ actorId: ada }, scope)).toBe(true);
      expect(inScope({ actorId: bob }, scope)).toBe(false);
      expect(inScope({ actorId: null }, scope)).toBe(false);
    }
    expect(inScope({ actorId: null }, { everyone: true })).toBe(true);
  });

  it("accepts entry ids as positive bigints only", () => {
    for (const good of ["1", "42", "9223372036854775807"])
      expect(actionLogIdSchema.safeParse(good).success, good).toBe(true);
    for (const bad of ["0", "-1", "01", "1e3", "9223372036854775808", "", " 1", "1.0"])
      expect(actionLogIdSchema.safeParse(bad).success, bad).toBe(false);
  });
});
