import { describe, expect, it } from "vitest";
import { canSee, holdReason, messageBodySchema, messageIdSchema, roomIdSchema } from "#app/models/chat.ts";

const body = (text: string) => messageBodySchema.parse(text);

describe("chat rules", () => {
  it("trims bodies and keeps 1 to 1000 characters", () => {
    expect(body("  hello  ")).toBe("hello");
    expect(messageBodySchema.safeParse("   ").success).toBe(false);
    expect(messageBodySchema.safeParse("x".repeat(1000)).success).toBe(true);
    expect(messageBodySchema.safeParse("x".repeat(1001)).success).toBe(false);
    expect(messageBodySchema.safeParse("two\nlines\tand a tab").success).toBe(true);
    for (const control of ["a\u0000b", "\u0007", "x\u007f"])
      expect(messageBodySchema.safeParse(control).success, JSON.stringify(control)).toBe(false);
  });

  it("holds messages over 300 characters or with a link, for a moderator", () => {
    expect(holdReason(body("x".repeat(300)))).toBeUndefined();
    expect(holdReason(body("x".repeat(301)))).toBe("auto");
    for (const text of ["see https://example.com", "http://x.y", "www.example.org", "visit example.com now"])
      expect(holdReason(body(text)), text).toBe("auto");
    for (const text of ["see you at 3.30", "e.g. this", "version 1.2.3"])
      expect(holdReason(body(text)), text).toBeUndefined();
  });

  it("shows pending messages to their author only, and removed ones to nobody", () => {
    expect(canSee({ status: "visible", authorId: "a" }, null)).toBe(true);
    expect(canSee({ status: "pending", authorId: "a" }, "a")).toBe(true);
    expect(canSee({ status: "pending", authorId: "a" }, "b")).toBe(false);
    expect(canSee({ status: "pending", authorId: "a" }, null)).toBe(false);
    expect(canSee({ status: "removed", authorId: "a" }, "a")).toBe(false);
  });

  it("accepts only known rooms and bigint message ids", () => {
    expect(roomIdSchema.safeParse("demo").success).toBe(true);
    expect(roomIdSchema.safeParse("attic").success).toBe(false);
    expect(messageIdSchema.safeParse("42").success).toBe(true);
    expect(messageIdSchema.safeParse("9223372036854775807").success).toBe(true);
    for (const bad of ["0", "-1", "1e3", "x", "1".repeat(20), "9223372036854775808", "9999999999999999999"])
      expect(messageIdSchema.safeParse(bad).success, bad).toBe(false);
  });
});
