import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "#app/models/database-errors.ts";
import { withoutTokens } from "#server/http/http.ts";

describe("an unreachable database", () => {
  it("is recognised by Node's network codes, PostgreSQL's connection and shutdown SQLSTATEs, and pg's own messages", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "08006", "08001", "57P01", "57P03", "53300"])
      expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code })), code).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })]))).toBe(
      true,
    );
    expect(
      isDatabaseUnavailable(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "57P01" }) })),
    ).toBe(true);
  });

  it("is not a failed statement, a constraint, or anything else", () => {
    for (const code of ["23505", "42P01", "40001", "22P02"])
      expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code })), code).toBe(false);
    for (const value of [new Error("boom"), "ECONNREFUSED", null, undefined, { code: 57 }])
      expect(isDatabaseUnavailable(value)).toBe(false);
  });
});

describe("the request log", () => {
  it("shows a mailed link's token as token=…, plain or inside an encoded next", () => {
    expect(withoutTokens("/reset-password?token=abc_DEF-1&x=1")).toBe("/reset-password?token=…&x=1");
    expect(withoutTokens("/login?next=%2Fverify-email%3Ftoken%3DabcDEF")).toBe(
      "/login?next=%2Fverify-email%3Ftoken%3D…",
    );
    expect(withoutTokens("/chat?room=lobby")).toBe("/chat?room=lobby");
  });
});
