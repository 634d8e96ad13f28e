import { pathToFileURL } from "node:url";
import {
  serveFromEnvironment,
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type ProviderProtocol,
} from "./fake-oauth.ts";

/**
 * A local stand-in for Google's OAuth 2.0 / OpenID Connect (tests/support/fake-oauth.ts does the
 * OAuth part): the authorize endpoint at Google's path, which also insists on `response_type=code`
 * and the `openid` scope, the token endpoint answering refusals Google's way (400 with `error`),
 * and the userinfo endpoint (`sub`, `email`, `email_verified`).
 *
 * Tests start it with `startFakeGoogle` and point GOOGLE_AUTHORIZE_URL, GOOGLE_TOKEN_URL and
 * GOOGLE_USERINFO_URL at `googleUrls(fake.url)`; Playwright runs this file with FAKE_GOOGLE_PORT,
 * FAKE_GOOGLE_CLIENT_ID and FAKE_GOOGLE_CLIENT_SECRET.
 */
export interface FakeGoogleUser {
  /** Google's stable account id (`sub`). */
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
}

export type FakeGoogle = FakeProvider;

const paths = { authorize: "/o/oauth2/v2/auth", token: "/token", userinfo: "/v1/userinfo" } as const;

/** The GOOGLE_* endpoint variables for a fake at `base`. */
export const googleUrls = (base: string) => ({
  GOOGLE_AUTHORIZE_URL: `${base}${paths.authorize}`,
  GOOGLE_TOKEN_URL: `${base}${paths.token}`,
  GOOGLE_USERINFO_URL: `${base}${paths.userinfo}`,
});

const google: ProviderProtocol<FakeGoogleUser> = {
  name: "Google",
  authorizePath: paths.authorize,
  tokenPath: paths.token,
  tokenPrefix: "ya29.",
  checkAuthorization(params) {
    if (params.get("response_type") !== "code") return "response_type must be code";
    if (!(params.get("scope") ?? "").split(" ").includes("openid")) return "scope must include openid";
    return undefined;
  },
  fields: [
    { name: "sub", label: "Google account id", value: "110000000000000000001", numeric: true },
    { name: "email", label: "Google email", value: "someone@gmail.test" },
    { name: "email_verified", label: "Email verified", value: "yes", checkbox: true },
  ],
  userFrom(form) {
    const sub = form.get("sub")?.trim();
    const email = form.get("email")?.trim();
    if (!sub || !/^\d{1,30}$/.test(sub) || !email) return undefined;
    return { sub, email, emailVerified: form.get("email_verified") === "yes" };
  },
  tokenAnswer: (outcome, scope) =>
    outcome.ok
      ? { status: 200, body: { access_token: outcome.token, expires_in: 3599, token_type: "Bearer", scope } }
      : {
          status: outcome.error === "invalid_client" ? 401 : 400,
          body: { error: outcome.error, error_description: outcome.reason },
        },
  api: {
    [`GET ${paths.userinfo}`]: (user) => ({ sub: user.sub, email: user.email, email_verified: user.emailVerified }),
  },
};

export const startFakeGoogle = (options: FakeProviderOptions): Promise<FakeGoogle> =>
  startFakeProvider(google, options);

// Run directly (Playwright's webServer): listen until SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await serveFromEnvironment("FAKE_GOOGLE", startFakeGoogle);
