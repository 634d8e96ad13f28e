import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { hostileNexts, landsOnSite } from "../support/hostile.ts";

describe("?next= redirect targets", () => {
  it("keeps same-site paths with their query and fragment", () => {
    expect(safeRedirectPath("/account", "/")).toBe("/account");
    expect(safeRedirectPath("/chat?room=demo#latest", "/")).toBe("/chat?room=demo#latest");
  });

  it("falls back for anything that could leave the site", () => {
    const hostile = [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/\t/evil.example",
      "/\n/evil.example",
      "evil",
      "",
      `/${"a".repeat(2048)}`,
    ];
    for (const value of hostile) expect(safeRedirectPath(value, "/account"), JSON.stringify(value)).toBe("/account");
    expect(safeRedirectPath(null, "/account")).toBe("/account");
  });

  it("resolves dot segments, encoded dots and backslashes before deciding (issue 17's table)", () => {
    for (const value of hostileNexts) {
      const target = safeRedirectPath(value, "/account");
      expect(landsOnSite(target, "https://glassbox.test"), `${JSON.stringify(value)} → ${target}`).toBe(true);
    }
    expect(safeRedirectPath("/.//evil.example", "/account")).toBe("/account");
    expect(safeRedirectPath("/%2e%2e//evil.example", "/account")).toBe("/account");
    expect(safeRedirectPath("/a/./b/../c?x=1", "/account")).toBe("/a/c?x=1");
  });

  it("never returns characters a Location header cannot carry", () => {
    expect(safeRedirectPath("/a\u0000b\u00e9", "/")).toBe("/a%00b%C3%A9");
  });
});
