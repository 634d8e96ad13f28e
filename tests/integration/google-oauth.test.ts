import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.ts";
import { googleUrls, startFakeGoogle, type FakeGoogle, type FakeGoogleUser } from "../support/fake-google.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { OAuthTestClient } from "../support/oauth-client.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Google sign-in over HTTP, beside GitHub on the same remix-auth-oauth2 flow: the production build
 * on a fresh database talking to a local fake Google (tests/support/fake-google.ts) that insists on
 * state, PKCE, `response_type=code` and the `openid` scope. GitHub's own journeys are in
 * github-oauth.test.ts; here, what is Google's, and what binds a flow to its provider.
 */
const GOOGLE = { clientId: "glassbox-test.apps.googleusercontent.test", clientSecret: randomBytes(20).toString("hex") };
const GITHUB = { clientId: "glassbox-test-client", clientSecret: randomBytes(20).toString("hex") };

let database: TestDatabase;
let google: FakeGoogle;
let github: FakeGitHub;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  [google, github] = await Promise.all([startFakeGoogle(GOOGLE), startFakeGitHub(GITHUB)]);
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    GOOGLE_CLIENT_ID: GOOGLE.clientId,
    GOOGLE_CLIENT_SECRET: GOOGLE.clientSecret,
    ...googleUrls(google.url),
    GITHUB_CLIENT_ID: GITHUB.clientId,
    GITHUB_CLIENT_SECRET: GITHUB.clientSecret,
    GITHUB_BASE_URL: github.url,
    GITHUB_API_URL: github.url,
  });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([google?.close(), github?.close()]);
  await database?.drop();
});

let counter = 0;
const tag = randomBytes(2).toString("hex");
function googleUser(overrides: Partial<FakeGoogleUser> = {}): FakeGoogleUser {
  counter += 1;
  return {
    sub: `1${Number.parseInt(tag, 16)}${String(counter).padStart(6, "0")}`,
    email: `ada.${tag}${counter}@gmail.test`,
    emailVerified: true,
    ...overrides,
  };
}

const client = () => new OAuthTestClient(server.url);
const authorizeUrl = () => googleUrls(google.url).GOOGLE_AUTHORIZE_URL;
const approve = (on: OAuthTestClient, authorize: URL, user: FakeGoogleUser) =>
  on.decide(authorize, "approve", {
    sub: user.sub,
    email: user.email,
    email_verified: user.emailVerified ? "yes" : "no",
  });
const signInWithGoogle = async (on: OAuthTestClient, user: FakeGoogleUser) =>
  on.get(await approve(on, await on.startFlow("google", authorizeUrl()), user));

const userRow = (email: string) =>
  database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
const connectionOf = (sub: string) =>
  database.db
    .selectFrom("user_oauth_connections")
    .selectAll()
    .where("provider", "=", "google")
    .where("provider_user_id", "=", sub)
    .executeTakeFirst();

describe("signing in with Google", () => {
  it("sends the visitor to Google with PKCE, a bound state, the openid scope and an absolute callback URL", async () => {
    const on = client();
    const login = await on.get("/login");
    const html = await login.text();
    expect(html).toContain("Continue with Google");
    expect(html).toContain("Continue with GitHub");
    expect(login.headers.get("content-security-policy")).toContain(new URL(google.url).origin);
    const authorize = await on.startFlow("google", authorizeUrl());
    expect(authorize.searchParams.get("client_id")).toBe(GOOGLE.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${server.url}/auth/google/callback`);
    expect(authorize.searchParams.get("response_type")).toBe("code");
    expect(authorize.searchParams.get("scope")).toBe("openid email");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("state")).toMatch(/^[\w-]+\.[\w-]{43}$/);
  });

  it("makes a verified account without a password from a new Google identity, signs it in, and comes back to it", async () => {
    const user = googleUser();
    const on = client();
    const response = await signInWithGoogle(on, user);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account");
    const row = await userRow(user.email);
    expect(row).toMatchObject({
      username: user.email.split("@")[0]?.replace(/[^a-z0-9_]/g, ""),
      password_hash: null,
      registration_pending: false,
    });
    expect(row?.email_verified_at).toBeInstanceOf(Date);
    expect(await connectionOf(user.sub)).toMatchObject({ user_id: row?.id, login: user.email });
    expect(google.refusals).toEqual([]);
    const me = await on.get("/api/v0/me");
    expect(await me.json()).toMatchObject({ email: user.email });
    // Posting needs a verified address: Google's counts.
    expect((await on.post("/chat?room=lobby", { intent: "post", body: `from google ${tag}` })).status).toBe(303);

    const again = client();
    expect((await signInWithGoogle(again, user)).status).toBe(303);
    expect((await (await again.get("/api/v0/me")).json()) as { id: string }).toMatchObject({ id: row?.id });
  });

  it("refuses to make an account from an address Google has not verified", async () => {
    const on = client();
    const response = await signInWithGoogle(on, googleUser({ emailVerified: false }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("oauth:no_verified_email");
    expect(html).toContain("Your Google account has no verified primary email address");
  });

  it("links Google to a password account, whose unverified address Google's verified one then proves", async () => {
    const on = client();
    const email = `linker.${tag}@gmail.test`;
    await registerAndConfirm(database.db, on, {
      username: `linker_${tag}`,
      email,
      password: `pw-${randomBytes(9).toString("base64url")}`,
    });
    // As an account from before verification existed.
    await database.db.updateTable("users").set({ email_verified_at: null }).where("email", "=", email).execute();
    const user = googleUser({ email });
    const linked = await signInWithGoogle(on, user);
    expect(linked.headers.get("location")).toBe("/account?done=google-linked");
    expect((await userRow(email))?.email_verified_at).toBeInstanceOf(Date);
    expect(await (await on.get("/account?done=google-linked")).text()).toContain(
      "Google is connected: you can now sign in with it.",
    );
    const unlinked = await on.post("/auth/google/disconnect");
    expect(unlinked.headers.get("location")).toBe("/account?done=google-unlinked");
    expect(await connectionOf(user.sub)).toBeUndefined();
  });

  it("refuses a GitHub flow's state at Google's callback: a state is bound to its provider", async () => {
    const on = client();
    const authorize = await on.startFlow("github", `${github.url}/login/oauth/authorize`);
    const state = authorize.searchParams.get("state") ?? "";
    const response = await on.get(`/auth/google/callback?${new URLSearchParams({ state, code: "anything" })}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("oauth:state_invalid");
    expect(google.refusals).toEqual([]);
  });

  it("lets a Google-only account (no password, no two-factor) delete itself by typing its username", async () => {
    const user = googleUser();
    const on = client();
    expect((await signInWithGoogle(on, user)).status).toBe(303);
    const row = await userRow(user.email);
    const page = await (await on.get("/account")).text();
    expect(page).toContain(`Type your username (${row?.username}) to confirm`);
    expect((await on.post("/account", { intent: "delete-account", confirmUsername: "someone else" })).status).toBe(400);
    const deleted = await on.post("/account", {
      intent: "delete-account",
      confirmUsername: ` ${row?.username.toUpperCase()} `,
    });
    expect(deleted.headers.get("location")).toBe("/login?done=account-deleted");
    expect(await userRow(user.email)).toBeUndefined();
    expect(await connectionOf(user.sub)).toBeUndefined();
  });

  it("answers an unknown provider with 404", async () => {
    const on = client();
    expect((await on.post("/auth/facebook")).status).toBe(404);
    expect((await on.get("/auth/facebook/callback?state=x&code=y")).status).toBe(404);
  });
});
