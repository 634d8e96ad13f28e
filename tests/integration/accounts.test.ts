import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBrowser,
  deviceCookieFrom,
  inBatches,
  median,
  newAccount,
  nextIp,
  sessionCookieFrom,
  sessionIdOf,
  type Browser,
} from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { confirmRegistration, registerAndConfirm } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Accounts over HTTP against the production build: registration, sign-in and sign-out, durable
 * sessions across restarts and secret rotation, throttling (also across instances), the audit
 * trail, the account page's actions, roles, `next` and cross-site refusals.
 */
const secret = () => randomBytes(64).toString("base64url");
const SECRET = secret();
const ADMIN_EMAIL = "boss@example.com";
const LATE_ADMIN_EMAIL = "late-boss@example.com";

let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: SECRET,
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: `${ADMIN_EMAIL},${LATE_ADMIN_EMAIL}`,
  });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

type Account = ReturnType<typeof newAccount>;
const browser = (options: { ip?: string; cookie?: string } = {}) => createBrowser(server.url, options);

const userRow = (email: string) =>
  database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
const sessionRow = (id: string) =>
  database.db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
const sessionsOf = async (userId: string) =>
  database.db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute();

/** Registers and follows the welcome mail's link: the browser is then signed in. */
async function signUp(account: Account = newAccount(), on: Browser = browser()) {
  await registerAndConfirm(database.db, on, account);
  const user = await userRow(account.email);
  if (!user) throw new Error(`no user row for ${account.email}`);
  return { browser: on, account, user };
}

const login = (on: Browser, email: string, password: string, extra: Record<string, string> = {}) =>
  on.post("/login", { email, password, ...extra });

/** A second device of the same account: a fresh browser (new address and agent) signed in. */
async function secondDevice(account: Account) {
  const device = browser();
  expect((await login(device, account.email, account.password)).status).toBe(303);
  return device;
}

let adminPromise: Promise<Browser> | undefined;
/** The ADMIN_EMAILS account, registered once for the file. */
const admin = () =>
  (adminPromise ??= signUp({ ...newAccount("boss"), email: ADMIN_EMAIL }).then(({ browser: b }) => b));

describe("registration and the signed-in account", () => {
  it("registers with a 303 to 'check your email' and no session; the mailed link signs in with an HttpOnly, SameSite=Lax session cookie on path /", async () => {
    const b = browser();
    const account = newAccount("ada");
    const registered = await b.post("/register", account);
    expect(registered.status).toBe(303);
    expect(registered.headers.get("location")).toBe("/register/check-email?next=%2Faccount");
    expect(sessionCookieFrom(registered)).toBeUndefined();
    expect(await userRow(account.email)).toMatchObject({ registration_pending: true, email_verified_at: null });
    // Until the link is followed, the password does not sign in (it answers like a wrong one).
    expect((await login(browser(), account.email, account.password)).status).toBe(401);
    const response = await confirmRegistration(database.db, b, account.email);
    expect(response.headers.get("location")).toBe("/account");
    const setCookie = response.headers.getSetCookie().find((value) => value.startsWith("glassbox_session="));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\/(;|$)/i);
    expect(b.cookie).toBeDefined();

    const user = await userRow(account.email);
    expect(user).toMatchObject({ username: account.username, role: "member", registration_pending: false });
    expect(user?.email_verified_at).toBeInstanceOf(Date);
    expect(user?.password_hash).toMatch(/^\$argon2id\$/);
    const row = await sessionRow(sessionIdOf(b.cookie ?? ""));
    expect(row).toMatchObject({ user_id: user?.id, ip: b.ip, user_agent: b.userAgent });

    const page = await b.get("/account");
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const html = await page.text();
    expect(html).toContain(account.username);
    expect(html).toContain(account.email);

    const me = await b.get("/api/v0/me");
    expect(me.status).toBe(200);
    expect(me.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await me.json()).toEqual({ id: user?.id, username: account.username, email: account.email, role: "member" });
  });

  it("answers /api/v0/me for guests, and for forged cookies, with the 401 problem JSON", async () => {
    const expected = { status: 401, code: "auth:unauthenticated", message: expect.any(String) };
    const guest = await browser().get("/api/v0/me");
    expect(guest.status).toBe(401);
    expect(guest.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await guest.json()) as { message: string };
    expect(body).toEqual(expected);
    expect(body.message.length).toBeGreaterThan(0);
    const forged = `glassbox_session=${encodeURIComponent(`${Buffer.from(JSON.stringify("x".repeat(43))).toString("base64")}.AAAA`)}`;
    const withForged = await browser({ cookie: forged }).get("/api/v0/me");
    expect(withForged.status).toBe(401);
    expect(await withForged.json()).toEqual(expected);
  });

  it("sends guests from /account to /login with next", async () => {
    const response = await browser().get("/account");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?next=%2Faccount");
  });

  it("refuses a taken username with 409 and invalid fields with 400; a taken email gets the same 303 as a new one, creating nothing", async () => {
    const { account } = await signUp(newAccount("taken"));
    const other = newAccount("other");
    const sameName = await browser().post("/register", { ...other, username: account.username.toUpperCase() });
    expect(sameName.status).toBe(409);
    expect(await sameName.text()).toContain("This username is taken");
    // Usernames are public (chat shows them); whether an email has an account is not (decision 0018).
    const sameEmail = await browser().post("/register", { ...other, email: ` ${account.email.toUpperCase()} ` });
    expect(sameEmail.status).toBe(303);
    expect(sameEmail.headers.get("location")).toBe("/register/check-email?next=%2Faccount");
    const short = await browser().post("/register", { ...other, password: "short" });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("Use at least 12 characters");
    expect(await userRow(other.email)).toBeUndefined();
    const count = await database.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("username", "=", other.username)
      .executeTakeFirst();
    expect(count?.n).toBe("0");
  });
});

describe("session ids", () => {
  it("mint a new id at sign-in: the cookie from the first sign-in is refused and its row deleted", async () => {
    const { browser: b, account } = await signUp(newAccount("fix"));
    const first = b.cookie ?? "";
    const firstId = sessionIdOf(first);
    expect(await sessionRow(firstId)).toBeDefined();

    const again = await login(b, account.email, account.password); // sent with the first cookie
    expect(again.status).toBe(303);
    const second = b.cookie ?? "";
    expect(second).not.toBe(first);
    expect(sessionIdOf(second)).not.toBe(firstId);
    expect(await sessionRow(firstId)).toBeUndefined();
    expect(await sessionRow(sessionIdOf(second))).toBeDefined();

    const stale = browser({ cookie: first });
    expect((await stale.get("/api/v0/me")).status).toBe(401);
    const page = await stale.get("/account");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/login?next=%2Faccount");
    expect((await b.get("/api/v0/me")).status).toBe(200);
  });

  it("end at POST /logout: the row is deleted and the cookie cleared", async () => {
    const { browser: b } = await signUp(newAccount("bye"));
    const cookie = b.cookie ?? "";
    const response = await b.post("/logout", {});
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cleared = response.headers.getSetCookie().find((value) => value.startsWith("glassbox_session="));
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(b.cookie).toBeUndefined();
    expect(await sessionRow(sessionIdOf(cookie))).toBeUndefined();
    expect((await browser({ cookie }).get("/api/v0/me")).status).toBe(401);
  });

  it("do not end at GET /logout (a link or a prefetch)", async () => {
    const { browser: b } = await signUp(newAccount("stay"));
    const response = await b.get("/logout");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    // The session cookie is untouched (the visitor cookie may be set: it carries no rights).
    expect(sessionCookieFrom(response)).toBeUndefined();
    expect(await sessionRow(sessionIdOf(b.cookie ?? ""))).toBeDefined();
    expect((await b.get("/api/v0/me")).status).toBe(200);
  });
});

describe("sign-in failures", () => {
  it("answer 401 'Invalid email or password' for an unknown email and for a wrong password alike", async () => {
    const { account } = await signUp(newAccount("fail"));
    for (const [email, password] of [
      [`nobody-${randomUUID()}@example.com`, account.password],
      [account.email, `${account.password}!`],
    ] as const) {
      const b = browser();
      const response = await login(b, email, password);
      expect(response.status, email).toBe(401);
      expect(sessionCookieFrom(response)).toBeUndefined();
      expect(await response.text()).toContain("Invalid email or password");
      expect(b.cookie).toBeUndefined();
    }
  });

  it("take about as long for an unknown email as for a wrong password (a dummy hash is verified)", async () => {
    const { account } = await signUp(newAccount("timing"));
    const timed = async (email: string, password: string) => {
      const started = performance.now();
      const response = await login(browser(), email, password);
      const ms = performance.now() - started;
      expect(response.status).toBe(401);
      return ms;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Interleaved, so drift in the machine's load affects both alike.
      unknown.push(await timed(`ghost-${randomUUID()}@example.com`, "not the password"));
      wrong.push(await timed(account.email, "not the password"));
    }
    expect(
      median(unknown),
      `unknown ${unknown.map(Math.round)} ms, wrong ${wrong.map(Math.round)} ms`,
    ).toBeGreaterThanOrEqual(0.5 * median(wrong));
  });
});

describe("sign-in throttling", () => {
  it("refuses the 6th attempt on an account, even with the right password, with 429; other accounts from that address still sign in", async () => {
    const { account } = await signUp(newAccount("throttle"));
    const b = browser();
    for (let i = 0; i < 5; i++) expect((await login(b, account.email, `wrong-${i}`)).status).toBe(401);
    const refused = await login(b, account.email, account.password);
    expect(refused.status).toBe(429);
    expect(b.cookie).toBeUndefined();
    expect(await refused.text()).toContain("Too many sign-in attempts.");

    const rows = await database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("action", "=", "auth.login_failed")
      .where("user_agent", "=", b.userAgent)
      .orderBy("id")
      .execute();
    expect(rows.map((row) => (row.metadata as { reason?: string }).reason)).toEqual([
      ...Array(5).fill("wrong_password"),
      "throttled",
    ]);

    const { account: other } = await signUp(newAccount("neighbour"));
    const neighbour = browser({ ip: b.ip });
    expect((await login(neighbour, other.email, other.password)).status).toBe(303);
  });

  it("tells the throttled client when to retry: Retry-After in whole seconds", async () => {
    const { account } = await signUp(newAccount("retry"));
    const b = browser();
    for (let i = 0; i < 5; i++) expect((await login(b, account.email, `wrong-${i}`)).status).toBe(401);
    const refused = await login(b, account.email, account.password);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/Too many sign-in attempts\. Try again in \d+ minutes?\./);
    const retryAfter = refused.headers.get("retry-after") ?? "(no Retry-After header)";
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);
  });

  it("gives the attempt back on a successful sign-in", async () => {
    const { account } = await signUp(newAccount("reset"));
    const b = browser();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await login(b, account.email, "wrong password")).status).toBe(401);
      expect((await login(b, account.email, account.password)).status, `round ${round}`).toBe(303);
      b.cookie = undefined; // a signed-in visitor posting to /login is sent on to /account instead
    }
  });

  it("refuses the 51st attempt from one address across different emails", async () => {
    const ip = nextIp();
    const attempts = Array.from(
      { length: 50 },
      (_, i) => () => login(browser({ ip }), `spray-${i}-${randomUUID()}@example.com`, "guess"),
    );
    const statuses = (await inBatches(attempts, 6)).map((response) => response.status);
    expect(statuses).toEqual(Array(50).fill(401));
    const refused = await login(browser({ ip }), `spray-51-${randomUUID()}@example.com`, "guess");
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("Too many sign-in attempts.");
    // A real account, from that address, is refused too; from another address it is fine.
    const { account } = await signUp(newAccount("sprayed"));
    expect((await login(browser({ ip }), account.email, account.password)).status).toBe(429);
    expect((await login(browser(), account.email, account.password)).status).toBe(303);
  });

  it("records the address from X-Forwarded-For with TRUST_PROXY (sessions, audit, throttle key)", async () => {
    const { browser: b, user, account } = await signUp(newAccount("proxied"));
    expect(b.ip).toMatch(/^10\./);
    expect((await sessionRow(sessionIdOf(b.cookie ?? "")))?.ip).toBe(b.ip);
    const failing = browser();
    expect((await login(failing, account.email, "wrong password")).status).toBe(401);
    const failed = await database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("user_agent", "=", failing.userAgent)
      .executeTakeFirst();
    expect(failed).toMatchObject({ actor_id: user.id, ip: failing.ip });
    const keys = (await database.db.selectFrom("login_throttle").select("key").execute()).map((row) => row.key);
    expect(keys.some((key) => key.includes(failing.ip ?? "?"))).toBe(true);
  });
});

describe("lock-out by strangers (decision 0017)", () => {
  it("lets the owner in from a device that signed in before, while strangers' failures lock the account elsewhere", async () => {
    const owner = browser();
    const account = newAccount("owner");
    // The sign-up's first sign-in (its confirmation) makes this browser a known device.
    const signedIn = await registerAndConfirm(database.db, owner, account);
    const device = deviceCookieFrom(signedIn);
    expect(signedIn.headers.getSetCookie().find((value) => value.startsWith("glassbox_device="))).toMatch(
      /;\s*HttpOnly/i,
    );

    // A stranger: five wrong passwords, then even the right one is refused from that network.
    const stranger = browser();
    for (let i = 0; i < 5; i++) expect((await login(stranger, account.email, `stranger ${i}`)).status).toBe(401);
    expect((await login(stranger, account.email, account.password)).status).toBe(429);
    // Another network: its first attempt is heard, its second refused while the account is locked for strangers.
    const roaming = browser();
    expect((await login(roaming, account.email, "roaming 1")).status).toBe(401);
    expect((await login(roaming, account.email, account.password)).status).toBe(429);

    // The owner's known device gets in even from the stranger's network; a forged one naming the owner does not.
    const ownerId = (await userRow(account.email))?.id;
    const claim = Buffer.from(
      JSON.stringify({ id: randomBytes(16).toString("base64url"), userIds: [ownerId] }),
    ).toString("base64");
    const forged = `glassbox_device=${encodeURIComponent(`${claim}.not-the-signature`)}`;
    const atStrangers = (cookie: string) =>
      createBrowser(server.url, { ip: stranger.ip }).post(
        "/login",
        { email: account.email, password: account.password },
        { headers: { cookie } },
      );
    expect((await atStrangers(forged)).status).toBe(429);
    const home = await atStrangers(device);
    expect(home.status).toBe(303);
    expect(home.headers.get("location")).toBe("/account");

    // The known device's own guesses are limited too: five wrong, then refused, on that device only.
    const onDevice = (password: string) =>
      createBrowser(server.url).post("/login", { email: account.email, password }, { headers: { cookie: device } });
    for (let i = 0; i < 5; i++) expect((await onDevice(`device guess ${i}`)).status).toBe(401);
    expect((await onDevice(account.password)).status).toBe(429);
    // A fresh network without failures still gets in (the account lock holds only for networks with attempts).
    expect((await login(browser(), account.email, account.password)).status).toBe(303);
  });

  it("still bounds a guesser spread over many networks: 20 attempts per account in 15 minutes", async () => {
    const account = newAccount("spread");
    const device = deviceCookieFrom(await registerAndConfirm(database.db, browser(), account));
    const statuses = (
      await inBatches(
        Array.from({ length: 20 }, (_, i) => () => login(browser(), account.email, `spread ${i}`)),
        4,
      )
    ).map((response) => response.status);
    expect(statuses).toEqual(Array(20).fill(401));
    // The 21st network is refused, even with the right password; the owner's known device is not.
    expect((await login(browser(), account.email, account.password)).status).toBe(429);
    expect(
      (
        await browser().post(
          "/login",
          { email: account.email, password: account.password },
          { headers: { cookie: device } },
        )
      ).status,
    ).toBe(303);
  });
});

describe("the audit trail", () => {
  it("records each account event with its actor, address and user agent", async () => {
    const account = newAccount("audited");
    const b = browser();
    const { user } = await signUp(account, b);
    const actor = user.id;
    const where = { ip: b.ip, user_agent: b.userAgent };

    // From the same device, signed out (a signed-in visitor posting to /login is sent on to /account).
    const signedOut = createBrowser(server.url, { ip: b.ip });
    signedOut.userAgent = b.userAgent;
    expect((await login(signedOut, `ghost-${randomUUID()}@example.com`, "x")).status).toBe(401);
    expect((await login(signedOut, account.email, "wrong password")).status).toBe(401);
    expect((await login(b, account.email, account.password)).status).toBe(303);
    await secondDevice(account);
    const handle = /name="session" value="([\w-]{22})"/.exec(await (await b.get("/account")).text())?.[1];
    expect(handle).toBeDefined();
    expect((await b.post("/account", { intent: "revoke-session", session: handle ?? "" })).status).toBe(303);
    await secondDevice(account);
    expect((await b.post("/account", { intent: "sign-out-others" })).status).toBe(303);
    const newPassword = `${account.password}-new`;
    await secondDevice(account);
    expect(
      (await b.post("/account", { intent: "change-password", currentPassword: account.password, newPassword })).status,
    ).toBe(303);
    expect((await b.post("/logout", {})).status).toBe(303);
    const boss = await admin();
    expect((await boss.post("/admin", { userId: actor })).status).toBe(303);

    const rows = await database.db
      .selectFrom("action_logs")
      .select(["action", "actor_id", "ip", "user_agent", "metadata"])
      .where((eb) =>
        eb.or([
          eb("user_agent", "=", b.userAgent),
          sql<boolean>`${eb.ref("metadata")} @> ${JSON.stringify({ userId: actor })}::jsonb`,
        ]),
      )
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      {
        action: "auth.register",
        actor_id: actor,
        ...where,
        metadata: { username: account.username, email: account.email, role: "member" },
      },
      // Following the welcome mail's link confirms the sign-up.
      {
        action: "auth.email_verified",
        actor_id: actor,
        ...where,
        metadata: { email: account.email, registration: true },
      },
      {
        action: "auth.login_failed",
        actor_id: null,
        ...where,
        metadata: { email: expect.stringMatching(/^ghost-/), reason: "unknown_email" },
      },
      {
        action: "auth.login_failed",
        actor_id: actor,
        ...where,
        metadata: { email: account.email, reason: "wrong_password" },
      },
      { action: "auth.login", actor_id: actor, ...where, metadata: {} },
      { action: "auth.session_revoked", actor_id: actor, ...where, metadata: { session: handle } },
      { action: "auth.session_revoked", actor_id: actor, ...where, metadata: { scope: "others", ended: 1 } },
      { action: "auth.password_changed", actor_id: actor, ...where, metadata: { endedSessions: 1 } },
      { action: "auth.logout", actor_id: actor, ...where, metadata: {} },
      {
        action: "auth.role_changed",
        actor_id: (await userRow(ADMIN_EMAIL))?.id,
        ip: boss.ip,
        user_agent: boss.userAgent,
        metadata: { userId: actor, username: account.username, from: "member", to: "moderator" },
      },
    ]);
  });
});

describe("the account page", () => {
  it("revokes another of the member's sessions by its handle, and only the member's own", async () => {
    const { browser: b, account, user } = await signUp(newAccount("revoker"));
    const other = await secondDevice(account);
    const html = await (await b.get("/account")).text();
    const handles = [...html.matchAll(/name="session" value="([\w-]{22})"/g)].map((match) => match[1]);
    expect(handles).toHaveLength(1); // this device has no revoke button
    expect(html).toContain(other.userAgent);
    expect(html).toContain(other.ip);
    expect(html).toContain("This device");

    const stranger = await signUp(newAccount("stranger"));
    const strangerHandle = /name="session" value="([\w-]{22})"/.exec(
      await (await (await secondDevice(stranger.account)).get("/account")).text(),
    )?.[1];
    expect(strangerHandle).toBeDefined();
    const notMine = await b.post("/account", { intent: "revoke-session", session: strangerHandle ?? "" });
    expect(notMine.status).toBe(404);
    expect(await notMine.text()).toContain("That session has already ended.");
    expect(await sessionsOf(stranger.user.id)).toHaveLength(2);

    const revoked = await b.post("/account", { intent: "revoke-session", session: handles[0] ?? "" });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe("/account?done=session-revoked");
    expect(await (await b.get("/account?done=session-revoked")).text()).toContain("The session was signed out.");
    expect((await other.get("/api/v0/me")).status).toBe(401);
    expect((await b.get("/api/v0/me")).status).toBe(200);
    expect(await sessionsOf(user.id)).toHaveLength(1);

    const again = await b.post("/account", { intent: "revoke-session", session: handles[0] ?? "" });
    expect(again.status).toBe(404);
  });

  it("signs out everywhere else, keeping this device", async () => {
    const { browser: b, account, user } = await signUp(newAccount("everywhere"));
    const others = [await secondDevice(account), await secondDevice(account)];
    expect(await sessionsOf(user.id)).toHaveLength(3);
    const response = await b.post("/account", { intent: "sign-out-others" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account?done=others-signed-out");
    for (const other of others) expect((await other.get("/api/v0/me")).status).toBe(401);
    expect((await b.get("/api/v0/me")).status).toBe(200);
    expect((await sessionsOf(user.id)).map((row) => row.id)).toEqual([sessionIdOf(b.cookie ?? "")]);
  });

  it("changes the password only with the current one, ending the other sessions", async () => {
    const { browser: b, account, user } = await signUp(newAccount("changer"));
    const other = await secondDevice(account);
    const newPassword = "a brand new passphrase";

    const wrong = await b.post("/account", {
      intent: "change-password",
      currentPassword: "not it at all",
      newPassword,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The current password is not correct.");
    const tooShort = await b.post("/account", {
      intent: "change-password",
      currentPassword: account.password,
      newPassword: "short",
    });
    expect(tooShort.status).toBe(400);
    expect(await tooShort.text()).toContain("Use at least 12 characters");
    expect((await other.get("/api/v0/me")).status).toBe(200);

    const before = b.cookie ?? "";
    const changed = await b.post("/account", {
      intent: "change-password",
      currentPassword: account.password,
      newPassword,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe("/account?done=password-changed");
    expect(b.cookie).toBeDefined();
    expect(sessionIdOf(b.cookie ?? "")).not.toBe(sessionIdOf(before)); // a new id for this device too
    expect((await b.get("/api/v0/me")).status).toBe(200);
    expect((await other.get("/api/v0/me")).status).toBe(401);
    expect((await browser({ cookie: before }).get("/api/v0/me")).status).toBe(401);
    expect(await sessionsOf(user.id)).toHaveLength(1);

    expect((await login(browser(), account.email, account.password)).status).toBe(401);
    expect((await login(browser(), account.email, newPassword)).status).toBe(303);
  });

  it("throttles guesses of the current password like sign-ins: 429 with Retry-After", async () => {
    const { browser: b, account } = await signUp(newAccount("guesser"));
    const newPassword = "a brand new passphrase";
    for (let i = 0; i < 5; i++) {
      expect(
        (await b.post("/account", { intent: "change-password", currentPassword: `guess ${i}`, newPassword })).status,
      ).toBe(400);
    }
    const refused = await b.post("/account", {
      intent: "change-password",
      currentPassword: account.password,
      newPassword,
    });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("Too many sign-in attempts.");
    // Not changed. (A network without failures of its own still gets its attempt: decision 0017.)
    expect((await login(browser(), account.email, newPassword)).status).toBe(401);
    const retryAfter = refused.headers.get("retry-after") ?? "(no Retry-After header)";
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it("answers an unknown intent with 400", async () => {
    const { browser: b } = await signUp(newAccount("intent"));
    const response = await b.post("/account", { intent: "delete-everything" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Choose one of the actions on this page.");
  });
});

describe("roles", () => {
  it("make an ADMIN_EMAILS registration an admin", async () => {
    const boss = await admin();
    expect((await userRow(ADMIN_EMAIL))?.role).toBe("admin");
    expect(await (await boss.get("/api/v0/me")).json()).toMatchObject({ email: ADMIN_EMAIL, role: "admin" });
    expect((await boss.get("/admin")).status).toBe(200);
  });

  it("apply ADMIN_EMAILS at sign-in to an existing member, audited", async () => {
    const account = { ...newAccount("late"), email: LATE_ADMIN_EMAIL };
    const { user } = await signUp(account);
    await database.db.updateTable("users").set({ role: "member" }).where("id", "=", user.id).execute();
    const b = browser();
    expect((await login(b, account.email, account.password)).status).toBe(303);
    expect((await userRow(account.email))?.role).toBe("admin");
    const audit = await database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("action", "=", "auth.role_changed")
      .where("user_agent", "=", b.userAgent)
      .execute();
    expect(audit).toMatchObject([
      { actor_id: null, ip: b.ip, metadata: { userId: user.id, from: "member", to: "admin", reason: "ADMIN_EMAILS" } },
    ]);
  });

  it("give members a 403 on /admin and send guests to /login?next=%2Fadmin", async () => {
    const { browser: member, user } = await signUp(newAccount("member"));
    const page = await member.get("/admin");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Your account may not do this.");
    const post = await member.post("/admin", { userId: user.id });
    expect(post.status).toBe(403);
    expect((await userRow(user.email))?.role).toBe("member");
    const guest = await browser().get("/admin");
    expect(guest.status).toBe(302);
    expect(guest.headers.get("location")).toBe("/login?next=%2Fadmin");
    const guestPost = await browser().post("/admin", { userId: user.id });
    expect([302, 303]).toContain(guestPost.status);
    expect(guestPost.headers.get("location")).toBe("/login?next=%2Fadmin");
  });

  it("let the admin promote a member once: 303, then 409 with a clear message; 404 for an unknown id", async () => {
    const boss = await admin();
    const { browser: promotedBrowser, user } = await signUp(newAccount("promoted"));
    const promoted = await boss.post("/admin", { userId: user.id });
    expect(promoted.status).toBe(303);
    expect(promoted.headers.get("location")).toBe("/admin?done=promoted");
    expect((await userRow(user.email))?.role).toBe("moderator");
    expect(await (await promotedBrowser.get("/api/v0/me")).json()).toMatchObject({ role: "moderator" });
    expect((await promotedBrowser.get("/admin")).status).toBe(403); // a moderator is not an admin

    const twice = await boss.post("/admin", { userId: user.id });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("Only members can be made moderators.");
    const self = await boss.post("/admin", { userId: (await userRow(ADMIN_EMAIL))?.id ?? "" });
    expect(self.status).toBe(409);
    expect((await userRow(ADMIN_EMAIL))?.role).toBe("admin");

    const missing = await boss.post("/admin", { userId: randomUUID() });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("There is no such account.");
    const malformed = await boss.post("/admin", { userId: "not-a-uuid" });
    expect(malformed.status).toBe(400);
  });
});

describe("next", () => {
  it("only ever redirects to a path on this site after sign-in", async () => {
    const { account } = await signUp(newAccount("nexter"));
    const cases: [string, string | null][] = [
      ["//evil.example", null],
      ["/\\evil.example", null],
      ["https://evil.example/x", null],
      ["/\t/evil.example", null],
      ["javascript:alert(1)", null],
      ["/account?tab=1", "/account?tab=1"],
    ];
    for (const [next, kept] of cases) {
      const response = await login(browser(), account.email, account.password, { next });
      expect(response.status, next).toBe(303);
      const location = response.headers.get("location") ?? "";
      expect(location, next).toMatch(/^\/(?![/\\])/);
      expect(location, next).not.toContain("evil.example");
      expect(location, next).toBe(kept ?? "/account");
    }
    const registered = await browser().post("/register", { ...newAccount("nextreg"), next: "//evil.example/" });
    expect(registered.headers.get("location")).toBe("/register/check-email?next=%2Faccount");
  });

  it("sends a signed-in visitor of /login on to a safe next", async () => {
    const { browser: b } = await signUp(newAccount("already"));
    const evil = await b.get("/login?next=%2F%2Fevil.example");
    expect(evil.status).toBe(302);
    expect(evil.headers.get("location")).toBe("/account");
    expect((await b.get("/login?next=%2Fadmin")).headers.get("location")).toBe("/admin");
  });

  it("moves /protected to /account for good", async () => {
    const response = await browser().get("/protected");
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/account");
  });
});

describe("cross-site writes", () => {
  const evil = "https://evil.example";

  it("are refused with 403 on /register, /login, /logout and /account, changing nothing", async () => {
    const { browser: b, account, user } = await signUp(newAccount("victim"));
    const other = await secondDevice(account);
    const sessionsBefore = (await sessionsOf(user.id)).length;

    const fresh = newAccount("csrf");
    const register = await browser().post("/register", fresh, { origin: evil });
    expect(register.status).toBe(403);
    expect(await register.text()).toContain("Cross-site requests are not accepted.");
    expect(await userRow(fresh.email)).toBeUndefined();

    const attacker = browser();
    const loginResponse = await login(attacker, account.email, account.password);
    expect(loginResponse.status).toBe(303); // control: the same post from the same site signs in
    const signedIn = (await sessionsOf(user.id)).length;
    expect(signedIn).toBe(sessionsBefore + 1);
    const crossLogin = await browser().post(
      "/login",
      { email: account.email, password: account.password },
      { origin: evil },
    );
    expect(crossLogin.status).toBe(403);
    expect(sessionCookieFrom(crossLogin)).toBeUndefined();

    expect((await b.post("/logout", {}, { origin: evil })).status).toBe(403);
    const newPassword = "hijacked password!";
    expect(
      (
        await b.post(
          "/account",
          { intent: "change-password", currentPassword: account.password, newPassword },
          { origin: evil },
        )
      ).status,
    ).toBe(403);
    expect((await b.post("/account", { intent: "sign-out-others" }, { origin: evil })).status).toBe(403);
    expect((await sessionsOf(user.id)).length).toBe(signedIn);
    expect((await b.get("/api/v0/me")).status).toBe(200);
    expect((await other.get("/api/v0/me")).status).toBe(200);
    expect((await login(browser(), account.email, newPassword)).status).toBe(401);
    const boss = await admin();
    expect((await boss.post("/admin", { userId: user.id }, { origin: evil })).status).toBe(403);
    expect((await userRow(account.email))?.role).toBe("member");
  });

  it("are refused for Origin: null and for the same host on another port", async () => {
    const fresh = newAccount("nullorigin");
    expect((await browser().post("/register", fresh, { origin: "null" })).status).toBe(403);
    const url = new URL(server.url);
    const otherPort = `http://${url.hostname}:${Number(url.port) === 65535 ? 1 : Number(url.port) + 1}`;
    expect((await browser().post("/register", fresh, { origin: otherPort })).status).toBe(403);
    expect(await userRow(fresh.email)).toBeUndefined();
  });

  it("are allowed without an Origin header (non-browser clients)", async () => {
    const fresh = newAccount("noorigin");
    const b = browser();
    const response = await b.post("/register", fresh, { origin: null });
    expect(response.status).toBe(303);
    expect(await userRow(fresh.email)).toBeDefined();
    expect((await b.post("/logout", {}, { origin: null })).status).toBe(303);
    expect(b.cookie).toBeUndefined();
  });
});

describe("several instances and restarts", () => {
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>) => {
    const started = await startServer({ DATABASE_URL: database.url, ...env });
    servers.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(servers.map((one) => one.stop()));
  });

  it("share the sign-in throttle between two instances on one database", async () => {
    const second = await start({ SESSION_SECRET: SECRET, TRUST_PROXY: "loopback" });
    const { account } = await signUp(newAccount("shared"));
    const ip = nextIp();
    const on = [server, second, server, second, server].map((one) => createBrowser(one.url, { ip }));
    for (const [i, b] of on.entries())
      expect((await login(b, account.email, `wrong ${i}`)).status, `attempt ${i + 1}`).toBe(401);
    // Three attempts on the first, two on the second: only a shared count reaches 5.
    expect((await login(createBrowser(second.url, { ip }), account.email, account.password)).status).toBe(429);
    expect((await login(createBrowser(server.url, { ip }), account.email, account.password)).status).toBe(429);
  });

  let cookie: string;
  let account: Account;
  let restarted: RunningServer;

  it("keep a session across a restart (SIGTERM, then a new process on the same database and secret)", async () => {
    const first = await start({ SESSION_SECRET: SECRET });
    const b = createBrowser(first.url, { ip: undefined });
    account = newAccount("restart");
    await registerAndConfirm(database.db, b, account);
    cookie = b.cookie ?? "";
    expect(await first.stop("SIGTERM")).toBe(0);

    restarted = await start({ SESSION_SECRET: SECRET });
    const page = await createBrowser(restarted.url, { cookie, ip: undefined }).get("/account");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(account.username);
  });

  it("ignore a forged X-Forwarded-For without TRUST_PROXY", async () => {
    const forged = "203.0.113.77";
    const b = createBrowser(restarted.url, { ip: forged });
    expect((await b.post("/login", { email: account.email, password: "wrong password" })).status).toBe(401);
    const row = await database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("user_agent", "=", b.userAgent)
      .executeTakeFirstOrThrow();
    expect(row.ip).toBe("127.0.0.1");
    const keys = (await database.db.selectFrom("login_throttle").select("key").execute()).map((entry) => entry.key);
    expect(keys.some((key) => key.includes(forged))).toBe(false);
    expect(keys.some((key) => key.endsWith(":127.0.0.1"))).toBe(true);
    expect((await b.post("/login", { email: account.email, password: account.password })).status).toBe(303);
    expect((await sessionRow(sessionIdOf(b.cookie ?? "")))?.ip).toBe("127.0.0.1");
  });

  it("accept cookies signed with the old secret after rotation, and refuse them once it is dropped", async () => {
    await restarted.stop();
    const NEW = secret();
    const rotated = await start({ SESSION_SECRET: `${NEW},${SECRET}` });
    expect((await createBrowser(rotated.url, { cookie, ip: undefined }).get("/account")).status).toBe(200);
    const fresh = createBrowser(rotated.url, { ip: undefined });
    expect((await fresh.post("/login", { email: account.email, password: account.password })).status).toBe(303);
    const newCookie = fresh.cookie ?? "";
    await rotated.stop();

    const newOnly = await start({ SESSION_SECRET: NEW });
    const old = createBrowser(newOnly.url, { cookie, ip: undefined });
    const refused = await old.get("/account");
    expect(refused.status).toBe(302);
    expect(refused.headers.get("location")).toBe("/login?next=%2Faccount");
    expect((await old.get("/api/v0/me")).status).toBe(401);
    expect(await sessionRow(sessionIdOf(cookie))).toBeDefined(); // the row lives on; only the signature no longer verifies
    expect((await createBrowser(newOnly.url, { cookie: newCookie, ip: undefined }).get("/api/v0/me")).status).toBe(200);
  });
});
