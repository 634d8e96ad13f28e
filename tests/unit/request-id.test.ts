import { expect, it } from "vitest";
import { requestIdFrom } from "#server/http/request-id.ts";

it("keeps a well-formed incoming request id and replaces anything else", () => {
  expect(requestIdFrom("upstream-proxy.1234:abcd")).toBe("upstream-proxy.1234:abcd");
  for (const bad of [
    undefined,
    "",
    "short",
    "has space here",
    "x".repeat(129),
    "<script>alert(1)</script>",
    ["a", "b"],
  ]) {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  }
});
