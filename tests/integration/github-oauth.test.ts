import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startFakeGitHub, type FakeGitHub, type FakeGitHubUser } from "../support/fake-github.ts";
import { hostileNexts, landsOnSite } from "../support/hostile.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { OAuthTestClient } from "../support/oauth-client.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { codeFor, currentStep } from "../support/totp.ts";

/**
 * GitHub sign-in and linking over HTTP: the production build on a fresh PostgreSQL database,
 * talking to a local fake GitHub (tests/support/fake-github.ts) that insists on state and PKCE.
 * Each test drives a cookie-keeping client through the whole web flow.
 */
const CLIENT_ID = "glassbox-test-client";
const CLIENT_SECRET = randomBytes(20).toString("hex");
const ADMIN_EMAIL = "gh-boss@example.com";

let database: TestDatabase;
let fake: FakeGitHub;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGitHub({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: ADMIN_EMAIL,
    GITHUB_CLIENT_ID: CLIENT_ID,
    GITHUB_CLIENT_SECRET: CLIENT_SECRET,
    GITHUB_BASE_URL: fake.url,
    GITHUB_API_URL: fake.url,
  });
});
afterAll(async () => {
  await server?.stop();
  await fake?.close();
  await database?.drop();
});

/** A browser (tests/support/oauth-client.ts) on this file's server. */
class Client extends OAuthTestClient {
  constructor() {
    super(server.url);
  }
}

let counter = 0;
const tag = randomBytes(2).toString("hex");
function gitHubUser(overrides: Partial<FakeGitHubUser> = {}): FakeGitHubUser {
  counter += 1;
  const login = `Octo-${tag}${counter}`;
  return {
    id: 100_000 + counter + Number.parseInt(tag, 16) * 1000,
    login,
    email: `${login.toLowerCase()}@github.test`,
    emailVerified: true,
    ...overrides,
  };
}

/** Starts the flow in `client`: the authorize URL the app sent it to (state cookie now in the jar). */
const start = (client: Client): Promise<URL> => client.startFlow("github", `${fake.url}/login/oauth/authorize`);

/** The visitor on fake GitHub: approve (as `user`) or cancel; returns the callback path GitHub redirects to. */
const decide = (authorize: URL, decision: "approve" | "deny", user?: FakeGitHubUser): Promise<string> =>
  new Client().decide(
    authorize,
    decision,
    user
      ? {
          user_id: String(user.id),
          login: user.login,
          email: user.email ?? "",
          email_verified: user.emailVerified ? "yes" : "no",
        }
      : {},
  );

/** The whole flow, from "Continue with GitHub" (or "Connect GitHub") to the app's answer on the callback. */
async function signInWithGitHub(client: Client, user: FakeGitHubUser): Promise<Response> {
  return client.get(await decide(await start(client), "approve", user));
}

const userRow = (email: string) =>
  database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
const connectionOf = (providerUserId: number) =>
  database.db
    .selectFrom("user_oauth_connections")
    .selectAll()
    .where("provider_user_id", "=", String(providerUserId))
    .executeTakeFirst();
const auditOf = (userId: string) =>
  database.db
    .selectFrom("action_logs")
    .select(["action", "metadata"])
    .where("actor_id", "=", userId)
    .orderBy("id")
    .execute();

/** The page names the catalogue code; a state is used once, so whatever happened the client holds no state cookie after it. */
async function expectProblem(client: Client, response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await response.text()).toContain(code);
  expect(client.stateCookies()).toEqual([]);
}

/** Registers and follows the welcome mail's link: the client is then signed in with a password account. */
async function register(client: Client, email: string, username = `pw_${tag}${(counter += 1)}`) {
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  await registerAndConfirm(database.db, client, { username, email, password });
  return { username, email, password };
}

describe("signing in with GitHub", () => {
  it("sends the visitor to GitHub with PKCE (S256), a bound state and an absolute callback URL", async () => {
    const client = new Client();
    const login = await client.get("/login");
    expect(await login.text()).toContain("Continue with GitHub");
    // Chromium applies form-action to the redirect after the form's post: GitHub's origin is allowed.
    expect(login.headers.get("content-security-policy")).toContain(`form-action 'self' ${fake.url}`);
    const authorize = await start(client);
    expect(authorize.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${server.url}/auth/github/callback`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
    expect(authorize.searchParams.get("state")).toMatch(/^[\w-]+\.[\w-]{43}$/);
    const [stateCookie] = client.stateCookies();
    expect(stateCookie).toBeDefined();
  });

  it("creates an account without a password from a new GitHub identity, and signs it in", async () => {
    const client = new Client();
    const github = gitHubUser({ login: `New-Octo.${tag}` });
    const response = await signInWithGitHub(client, github);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account");
    expect(client.stateCookies()).toEqual([]);
    expect(fake.refusals).toEqual([]);

    const user = await userRow(github.email ?? "");
    expect(user).toMatchObject({ username: `new_octo${tag}`, role: "member", password_hash: null });
    expect(await connectionOf(github.id)).toMatchObject({ user_id: user?.id, provider: "github", login: github.login });
    expect((await auditOf(user?.id ?? "")).map((entry) => entry.action)).toEqual(["auth.register", "auth.oauth_login"]);

    const account = await client.get("/account");
    expect(account.status).toBe(200);
    const html = await account.text();
    expect(html).toContain(`new_octo${tag}`);
    expect(html).toContain("Set a password");
    expect(html).not.toContain("Current password");
  });

  it("signs a returning GitHub identity into its account, following a renamed login", async () => {
    const github = gitHubUser();
    expect((await signInWithGitHub(new Client(), github)).status).toBe(303);
    const before = await userRow(github.email ?? "");
    const renamed = { ...github, login: `${github.login}-renamed`, email: "changed@github.test" };
    const again = new Client();
    const response = await signInWithGitHub(again, renamed);
    expect(response.status).toBe(303);
    expect(await userRow("changed@github.test")).toBeUndefined();
    expect(await connectionOf(github.id)).toMatchObject({ user_id: before?.id, login: renamed.login });
    expect(await (await again.get("/account")).text()).toContain(before?.username);
  });

  it("makes the username unique when the GitHub login is taken", async () => {
    const github = gitHubUser();
    const taken = github.login.toLowerCase().replace(/-/g, "_");
    await register(new Client(), `someone-${tag}@example.com`, taken);
    expect((await signInWithGitHub(new Client(), github)).status).toBe(303);
    expect((await userRow(github.email ?? ""))?.username).toBe(`${taken}_2`);
  });

  it("applies ADMIN_EMAILS to accounts made through GitHub", async () => {
    const github = gitHubUser({ email: ADMIN_EMAIL });
    expect((await signInWithGitHub(new Client(), github)).status).toBe(303);
    expect((await userRow(ADMIN_EMAIL))?.role).toBe("admin");
  });

  it("never links to an existing account by email: 409, no session, no connection", async () => {
    const owner = await register(new Client(), `taken-${tag}@example.com`);
    const github = gitHubUser({ email: owner.email });
    const client = new Client();
    const response = await signInWithGitHub(client, github);
    await expectProblem(client, response, 409, "oauth:email_in_use");
    expect(await connectionOf(github.id)).toBeUndefined();
    expect(client.jar.get("glassbox_session")).toBeUndefined();
  });

  it("refuses to make an account when GitHub has no verified primary email", async () => {
    const github = gitHubUser({ emailVerified: false });
    const client = new Client();
    await expectProblem(client, await signInWithGitHub(client, github), 400, "oauth:no_verified_email");
    expect(await userRow(github.email ?? "")).toBeUndefined();
  });

  it("fails a password sign-in to a GitHub-only account exactly like a wrong password", async () => {
    const github = gitHubUser();
    expect((await signInWithGitHub(new Client(), github)).status).toBe(303);
    const guess = await new Client().post("/login", { email: github.email ?? "", password: "any password at all" });
    const unknown = await new Client().post("/login", {
      email: `nobody-${tag}@example.com`,
      password: "any password at all",
    });
    expect(guess.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await guess.text()).toContain("Invalid email or password");
    const user = await userRow(github.email ?? "");
    expect((await auditOf(user?.id ?? "")).at(-1)).toMatchObject({
      action: "auth.login_failed",
      metadata: { reason: "no_password" },
    });
  });

  it("answers GitHub's access_denied with a clear 403 page", async () => {
    const client = new Client();
    const callback = await decide(await start(client), "deny");
    expect(callback).toContain("error=access_denied");
    await expectProblem(client, await client.get(callback), 403, "oauth:denied");
    expect(client.jar.get("glassbox_session")).toBeUndefined();
  });
});

describe("the state is bound to this browser", () => {
  it("refuses a forged state without spending the code", async () => {
    const client = new Client();
    const callback = new URL(await decide(await start(client), "approve", gitHubUser()), server.url);
    // The strategy's cookie holds "state=<state>&<state>=<PKCE verifier>".
    const [stateCookie = ""] = client.stateCookies();
    const stored = new URLSearchParams(decodeURIComponent(stateCookie.slice(stateCookie.indexOf("=") + 1)));
    const state = callback.searchParams.get("state") ?? "";
    const verifier = stored.get(state) ?? "";
    expect(verifier).toMatch(/^[\w-]{43}$/);
    callback.searchParams.set("state", `${state.slice(0, -2)}${state.endsWith("AA") ? "BB" : "AA"}`);
    await expectProblem(client, await client.get(`${callback.pathname}${callback.search}`), 400, "oauth:state_invalid");
    // The app never exchanged the code: it is still good, for the holder of the verifier only.
    const exchange = await fetch(`${fake.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code: callback.searchParams.get("code"),
        code_verifier: verifier,
        redirect_uri: `${server.url}/auth/github/callback`,
      }),
    });
    expect(await exchange.json()).toMatchObject({ access_token: expect.stringMatching(/^gho_/) });
  });

  it("refuses a replayed callback: the state cookie was used up", async () => {
    const client = new Client();
    const callback = await decide(await start(client), "approve", gitHubUser());
    expect((await client.get(callback)).status).toBe(303);
    await client.post("/logout");
    await expectProblem(client, await client.get(callback), 400, "oauth:state_invalid");
  });

  it("refuses a callback that arrives in another browser", async () => {
    const callback = await decide(await start(new Client()), "approve", gitHubUser());
    const other = new Client();
    await other.get("/login");
    await expectProblem(other, await other.get(callback), 400, "oauth:state_invalid");
  });

  it("refuses a callback with the state cookie but without the visitor cookie it is bound to", async () => {
    const client = new Client();
    const callback = await decide(await start(client), "approve", gitHubUser());
    // Another visitor who somehow holds this browser's state cookie: the binding still fails.
    const thief = new Client();
    await thief.get("/login");
    thief.jar.store(client.stateCookies());
    await expectProblem(thief, await thief.get(callback), 400, "oauth:state_invalid");
    // And the same browser, its visitor cookie gone.
    client.jar.store(["glassbox_visitor=; Max-Age=0"]);
    await expectProblem(client, await client.get(callback), 400, "oauth:state_invalid");
  });

  it("refuses a flow begun as a guest and finished after signing in with a password", async () => {
    const client = new Client();
    const account = await register(new Client(), `switch-${tag}@example.com`);
    const callback = await decide(await start(client), "approve", gitHubUser());
    expect((await client.post("/login", { email: account.email, password: account.password })).status).toBe(303);
    await expectProblem(client, await client.get(callback), 400, "oauth:state_invalid");
  });

  it("answers garbage in the callback's query and in state cookies with 400, never a 5xx", async () => {
    const client = new Client();
    const authorize = await start(client);
    const state = encodeURIComponent(authorize.searchParams.get("state") ?? "");
    const [stateCookie = ""] = client.stateCookies();
    // Each attempt is made by the browser that began the flow (so the binding holds), with the given state cookie.
    const attempt = (query: string, cookie = stateCookie) => {
      client.jar.store([cookie]);
      return client.get(`/auth/github/callback?${query}`);
    };
    for (const query of [
      `state=${"A".repeat(5000)}&code=x`,
      "state=.&code=x",
      "state=%E0%A4%A&code=x",
      `state=${state}&state=x&code=x`,
      `state=${state}`,
      `state=${state}&code=`,
    ]) {
      expect((await attempt(query)).status, query).toBe(400);
    }
    for (const cookie of [
      "glassbox_oauth:x=%E0%A4%A",
      `glassbox_oauth:x=${"A".repeat(4000)}`,
      "glassbox_oauth:x=state",
      "glassbox_oauth:x=state=a&a",
      'glassbox_oauth:x="',
    ])
      expect((await attempt(`state=${state}&code=x`, cookie)).status, cookie).toBe(400);
    expect(
      server
        .logs()
        .filter((line) => (line.level ?? 0) >= 50 || line.msg === "GitHub token exchange failed")
        .map((line) => line.msg),
    ).toEqual([]);
  });

  it("answers a callback without a state with 400, not a new flow", async () => {
    const client = new Client();
    await client.get("/login");
    await expectProblem(
      client,
      await client.get("/auth/github/callback?error=access_denied"),
      400,
      "oauth:state_invalid",
    );
    await expectProblem(client, await client.get("/auth/github/callback?code=abc"), 400, "oauth:state_invalid");
  });
});

describe("linking and unlinking from the account page", () => {
  it("links GitHub to a signed-in account, which can then sign in with GitHub", async () => {
    const client = new Client();
    const account = await register(client, `linker-${tag}@example.com`);
    const github = gitHubUser({ email: `other-${tag}@github.test` });
    const response = await signInWithGitHub(client, github);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account?done=github-linked");
    const user = await userRow(account.email);
    expect(await connectionOf(github.id)).toMatchObject({ user_id: user?.id, login: github.login });
    expect((await auditOf(user?.id ?? "")).map((entry) => entry.action)).toContain("auth.oauth_linked");
    const page = await (await client.get("/account?done=github-linked")).text();
    expect(page).toContain("GitHub is connected");
    expect(page).toContain(github.login);

    const elsewhere = new Client();
    expect((await signInWithGitHub(elsewhere, github)).status).toBe(303);
    expect(await (await elsewhere.get("/account")).text()).toContain(account.username);
  });

  it("refuses, with 409, a GitHub account already linked to someone else, or a second GitHub account", async () => {
    const github = gitHubUser();
    expect((await signInWithGitHub(new Client(), github)).status).toBe(303);
    const client = new Client();
    const account = await register(client, `second-${tag}@example.com`);
    await expectProblem(client, await signInWithGitHub(client, github), 409, "oauth:linked_to_other");

    expect((await signInWithGitHub(client, gitHubUser())).status).toBe(303);
    await expectProblem(client, await signInWithGitHub(client, gitHubUser()), 409, "oauth:already_connected");
    const user = await userRow(account.email);
    const links = await database.db
      .selectFrom("user_oauth_connections")
      .select("login")
      .where("user_id", "=", user?.id ?? "")
      .execute();
    expect(links).toHaveLength(1);
  });

  it("unlinks when the account has a password", async () => {
    const client = new Client();
    const account = await register(client, `unlinker-${tag}@example.com`);
    const github = gitHubUser();
    expect((await signInWithGitHub(client, github)).status).toBe(303);
    const response = await client.post("/auth/github/disconnect");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account?done=github-unlinked");
    expect(await connectionOf(github.id)).toBeUndefined();
    const user = await userRow(account.email);
    expect((await auditOf(user?.id ?? "")).at(-1)).toMatchObject({
      action: "auth.oauth_unlinked",
      metadata: { provider: "github", login: github.login },
    });
    await expectProblem(client, await client.post("/auth/github/disconnect"), 404, "oauth:not_connected");
  });

  it("refuses to unlink GitHub-only accounts until they set a password, which needs no current one", async () => {
    const client = new Client();
    const github = gitHubUser();
    expect((await signInWithGitHub(client, github)).status).toBe(303);
    await expectProblem(client, await client.post("/auth/github/disconnect"), 409, "oauth:last_sign_in_method");
    expect(await connectionOf(github.id)).toBeDefined();

    const password = "a brand new password";
    const set = await client.post("/account", { intent: "change-password", newPassword: password });
    expect(set.status).toBe(303);
    expect(set.headers.get("location")).toBe("/account?done=password-changed");
    expect((await client.post("/auth/github/disconnect")).status).toBe(303);
    expect((await new Client().post("/login", { email: github.email ?? "", password })).status).toBe(303);

    // Now that it has a password, changing it needs the current one.
    const withoutCurrent = await client.post("/account", {
      intent: "change-password",
      newPassword: "another new password",
    });
    expect(withoutCurrent.status).toBe(400);
    expect(await withoutCurrent.text()).toContain("Enter your password");
  });

  it("sends guests who try to unlink to sign in", async () => {
    const response = await new Client().post("/auth/github/disconnect");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?next=%2Fauth%2Fgithub%2Fdisconnect");
  });
});

describe("without GitHub settings", () => {
  it("shows no GitHub button and answers the routes with 404 oauth:not_configured", async () => {
    const plain = await startServer({
      DATABASE_URL: database.url,
      SESSION_SECRET: randomBytes(64).toString("base64url"),
    });
    try {
      const login = await fetch(`${plain.url}/login`);
      expect(await login.text()).not.toContain("Continue with GitHub");
      const origin = new URL(plain.url).origin;
      const start = await fetch(`${plain.url}/auth/github`, {
        method: "POST",
        headers: { origin },
        redirect: "manual",
      });
      expect(start.status).toBe(404);
      expect(await start.json()).toMatchObject({ status: 404, code: "oauth:not_configured" });
      const callback = await fetch(`${plain.url}/auth/github/callback?state=a.b&code=c`, { redirect: "manual" });
      expect(callback.status).toBe(404);
      expect(await callback.text()).toContain("oauth:not_configured");
    } finally {
      await plain.stop();
    }
  });
});

describe("where GitHub sign-in leads", () => {
  it("takes a guest to the sign-in page's next path, and never off the site (the hostile next table)", async () => {
    for (const next of ["/chat?room=demo", ...hostileNexts]) {
      const client = new Client();
      await client.get(`/login?${new URLSearchParams({ next })}`);
      const response = await client.post("/auth/github", { next });
      expect(response.status).toBe(303);
      const back = await client.get(
        await decide(new URL(response.headers.get("location") ?? ""), "approve", gitHubUser()),
      );
      expect(back.status).toBe(303);
      const location = back.headers.get("location");
      if (next === "/chat?room=demo") expect(location).toBe(next);
      else
        expect(landsOnSite(location, new URL(server.url).origin), `${JSON.stringify(next)} → ${location}`).toBe(true);
      expect(client.jar.get("glassbox_oauth_next")).toBeUndefined();
    }
  });

  it("asks for the two-factor code after GitHub when the account has it on, with no session before the code", async () => {
    const client = new Client();
    const github = gitHubUser();
    expect((await signInWithGitHub(client, github)).status).toBe(303);
    expect((await client.post("/account/two-factor", { intent: "start" })).status).toBe(303);
    const secret =
      /data-testid="totp-secret">([A-Z2-7 ]+)</
        .exec(await (await client.get("/account/two-factor")).text())?.[1]
        ?.replace(/ /g, "") ?? "";
    expect(
      (await client.post("/account/two-factor", { intent: "confirm", code: codeFor(secret, currentStep()) })).status,
    ).toBe(200);
    expect((await client.post("/logout")).status).toBe(303);

    const user = await userRow(github.email ?? "");
    const sessionsOf = async () =>
      (
        await database.db
          .selectFrom("sessions")
          .select("id")
          .where("user_id", "=", user?.id ?? "")
          .execute()
      ).length;
    const step = await signInWithGitHub(client, github);
    expect(step.status).toBe(303);
    expect(step.headers.get("location")).toBe("/login/two-factor");
    expect(await sessionsOf()).toBe(0);
    expect((await client.get("/account")).headers.get("location")).toMatch(/^\/login\?/);
  });
});
