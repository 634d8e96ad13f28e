import { pathToFileURL } from "node:url";
import {
  serveFromEnvironment,
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type ProviderProtocol,
} from "./fake-oauth.ts";

/**
 * A local stand-in for GitHub (tests/support/fake-oauth.ts does the OAuth part): its authorize page
 * and token exchange at GitHub's paths, refusals GitHub's way (200 with `error`), and the two API
 * calls glassbox makes, `GET /user` and `GET /user/emails`.
 *
 * Tests start it with `startFakeGitHub`; Playwright runs this file (`tsx tests/support/fake-github.ts`)
 * with FAKE_GITHUB_PORT, FAKE_GITHUB_CLIENT_ID and FAKE_GITHUB_CLIENT_SECRET.
 */
export interface FakeGitHubUser {
  readonly id: number;
  readonly login: string;
  /** The primary email; null: none (the emails list then holds only the verified noreply address, not primary). */
  readonly email: string | null;
  readonly emailVerified: boolean;
}

export type FakeGitHub = FakeProvider;

/** GitHub's names for the refusals. */
const gitHubErrors: Record<string, string> = {
  invalid_client: "incorrect_client_credentials",
  invalid_grant: "bad_verification_code",
};

const gitHub: ProviderProtocol<FakeGitHubUser> = {
  name: "GitHub",
  authorizePath: "/login/oauth/authorize",
  tokenPath: "/login/oauth/access_token",
  tokenPrefix: "gho_",
  fields: [
    { name: "user_id", label: "GitHub user id", value: "4242", numeric: true },
    { name: "login", label: "GitHub login", value: "octocat" },
    { name: "email", label: "Primary email", value: "octocat@github.test" },
    { name: "email_verified", label: "Email verified", value: "yes", checkbox: true },
  ],
  userFrom(form) {
    const id = Number(form.get("user_id"));
    const login = form.get("login")?.trim();
    if (!Number.isSafeInteger(id) || id <= 0 || !login) return undefined;
    return { id, login, email: form.get("email")?.trim() || null, emailVerified: form.get("email_verified") === "yes" };
  },
  tokenAnswer: (outcome) =>
    outcome.ok
      ? { status: 200, body: { access_token: outcome.token, token_type: "bearer", scope: "read:user,user:email" } }
      : {
          status: 200,
          body: { error: gitHubErrors[outcome.error] ?? outcome.error, error_description: outcome.reason },
        },
  api: {
    "GET /user": (user) => ({ id: user.id, login: user.login, name: null, email: null }),
    "GET /user/emails": (user) => [
      { email: `${user.id}+${user.login}@users.noreply.github.com`, primary: false, verified: true, visibility: null },
      ...(user.email
        ? [{ email: user.email, primary: true, verified: user.emailVerified, visibility: "private" }]
        : []),
    ],
  },
};

export const startFakeGitHub = (options: FakeProviderOptions): Promise<FakeGitHub> =>
  startFakeProvider(gitHub, options);

// Run directly (Playwright's webServer): listen until SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await serveFromEnvironment("FAKE_GITHUB", startFakeGitHub);
