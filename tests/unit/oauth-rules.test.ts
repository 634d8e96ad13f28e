import { describe, expect, it } from "vitest";
import { usernameCandidates } from "#app/models/oauth.ts";
import { usernameSchema } from "#app/models/user.ts";

const first = (login: string, count: number) => {
  const candidates = usernameCandidates(login);
  return Array.from({ length: count }, () => candidates.next().value as string);
};

describe("usernames made from GitHub logins", () => {
  it("lowercases the login, writes - as _ and drops what usernames cannot hold", () => {
    expect(first("Mona-Lisa", 1)).toEqual(["mona_lisa"]);
    expect(first("octo.cat", 1)).toEqual(["octocat"]);
  });

  it("pads logins shorter than 3 and cuts long ones to 20", () => {
    expect(first("a", 1)).toEqual(["a_gh"]);
    expect(first("a-very-long-github-login-indeed", 1)).toEqual(["a_very_long_github_l"]);
  });

  it("offers numbered, then random alternatives that stay within 20 characters", () => {
    const candidates = first("a-very-long-github-login-indeed", 14);
    expect(candidates.slice(1, 3)).toEqual(["a_very_long_github_2", "a_very_long_github_3"]);
    expect(candidates[9]).toMatch(/^a_very_long_g_[0-9a-f]{6}$/);
    expect(new Set(candidates).size).toBe(14);
    for (const candidate of candidates) expect(usernameSchema.safeParse(candidate).success).toBe(true);
  });
});
