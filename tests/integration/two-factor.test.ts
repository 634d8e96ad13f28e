import { randomBytes } from "node:crypto";
import { codeFor, currentStep, stepAfter } from "../support/totp.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, deviceCookieFrom, newAccount, type Browser } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Two-factor sign-in over HTTP against the production build and a real PostgreSQL: setup with a
 * confirming code, the pending step between password and session, replays refused, backup codes
 * spent once, wrong codes limited, the step's expiry, turning it off.
 */
const SECRET = randomBytes(64).toString("base64url");
const PENDING = "glassbox_pending_sign_in";
const STEP = "/login/two-factor";

let database: TestDatabase;
let server: RunningServer;
/** A second instance on the same database whose pending step lasts one second. */
let hurried: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, SESSION_SECRET: SECRET, TRUST_PROXY: "loopback" };
  [server, hurried] = await Promise.all([startServer(env), startServer({ ...env, TOTP_PENDING_SECS: "1" })]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), hurried?.stop()]);
  await database?.drop();
});

const browser = (on: RunningServer = server) => createBrowser(on.url);

const userRow = (email: string) =>
  database.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
const sessionCount = async (userId: string) =>
  (await database.db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute()).length;
const auditActionsOf = async (userId: string) =>
  (
    await database.db.selectFrom("action_logs").select("action").where("actor_id", "=", userId).orderBy("id").execute()
  ).map((row) => row.action);

/** Registers and follows the welcome mail's link: signed in. */
async function signUp(on: Browser = browser()) {
  const account = newAccount("tfa");
  await registerAndConfirm(database.db, on, account);
  return { account, userId: (await userRow(account.email)).id, browser: on };
}

async function secretOnPage(b: Browser): Promise<string> {
  const page = await b.get("/account/two-factor");
  expect(page.status).toBe(200);
  const match = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(await page.text());
  if (!match?.[1]) throw new Error("no secret on the setup page");
  return match[1].replace(/ /g, "");
}

const backupCodesIn = (html: string) =>
  [...html.matchAll(/<code>([2-9a-z]{4}(?:-[2-9a-z]{4}){3})<\/code>/g)].map((match) => match[1] as string);

/** Sets up two-factor through the pages; returns the secret, the backup codes and the step the confirming code used. */
async function enable(b: Browser) {
  expect((await b.post("/account/two-factor", { intent: "start" })).status).toBe(303);
  const secret = await secretOnPage(b);
  const step = currentStep();
  const confirmed = await b.post("/account/two-factor", { intent: "confirm", code: codeFor(secret, step) });
  expect(confirmed.status).toBe(200);
  const backupCodes = backupCodesIn(await confirmed.text());
  expect(backupCodes).toHaveLength(10);
  return { secret, step, backupCodes };
}

/** The pending-step cookie a response sets ("name=value"), "" when it clears it. */
function pendingCookieFrom(response: Response): string | undefined {
  const header = response.headers.getSetCookie().find((value) => value.startsWith(`${PENDING}=`));
  if (!header) return undefined;
  return /;\s*max-age=0/i.test(header) || /;\s*expires=Thu, 01 Jan 1970/i.test(header)
    ? ""
    : (header.split(";")[0] ?? "");
}

/** Signs out, then sends the password: returns the pending cookie the answer starts. */
async function passwordStep(
  b: Browser,
  account: { email: string; password: string },
  next = "/account",
): Promise<string> {
  if (b.cookie) expect((await b.post("/logout", {})).status).toBe(303);
  const response = await b.post("/login", { email: account.email, password: account.password, next });
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe(STEP);
  expect(b.cookie, "no session before the code").toBeUndefined();
  const pending = pendingCookieFrom(response);
  if (!pending) throw new Error("no pending-step cookie");
  return pending;
}

const sendCode = (b: Browser, pending: string, code: string) =>
  b.post(STEP, { code }, { headers: { cookie: pending } });

describe("turning two-factor on", () => {
  it("keeps one inactive secret across reloads and repeated starts, refuses cross-site starts, and activates it with a code", async () => {
    const { account, userId, browser: b } = await signUp();
    const accountPage = await (await b.get("/account")).text();
    expect(accountPage).toContain("Two-factor authentication");
    expect(accountPage).toContain('href="/account/two-factor"');

    const crossSite = await b.post("/account/two-factor", { intent: "start" }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(
      await database.db.selectFrom("totp_credentials").selectAll().where("user_id", "=", userId).execute(),
    ).toEqual([]);

    const started = await b.post("/account/two-factor", { intent: "start" });
    expect(started.status).toBe(303);
    expect(started.headers.get("location")).toBe("/account/two-factor");
    const page = await (await b.get("/account/two-factor")).text();
    expect(page).toMatch(/<img [^>]*src="data:image\/svg\+xml,%3Csvg/);
    const secret = await secretOnPage(b);
    expect(await secretOnPage(b)).toBe(secret);
    expect((await b.post("/account/two-factor", { intent: "start" })).status).toBe(303);
    expect(await secretOnPage(b), "a second start keeps the secret").toBe(secret);

    // Not active yet: the password alone still signs in.
    const other = browser();
    const direct = await other.post("/login", { email: account.email, password: account.password });
    expect(direct.headers.get("location")).toBe("/account");
    expect(other.cookie).toBeDefined();

    const wrong = await b.post("/account/two-factor", { intent: "confirm", code: codeFor(secret, currentStep() + 5) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That code is not valid");
    const malformed = await b.post("/account/two-factor", { intent: "confirm", code: "12ab" });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("Enter the 6-digit code");

    const confirmed = await b.post("/account/two-factor", { intent: "confirm", code: codeFor(secret, currentStep()) });
    expect(confirmed.status).toBe(200);
    const codes = backupCodesIn(await confirmed.text());
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const stored = await database.db
      .selectFrom("totp_backup_codes")
      .selectAll()
      .where("user_id", "=", userId)
      .execute();
    expect(stored).toHaveLength(10);
    for (const row of stored) {
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(codes.some((code) => row.code_hash.includes(code.replace(/-/g, "")))).toBe(false);
    }
    const after = await (await b.get("/account/two-factor")).text();
    expect(after).toContain("10 unused backup codes");
    expect(backupCodesIn(after), "shown once").toEqual([]);
    expect(await auditActionsOf(userId)).toEqual(expect.arrayContaining(["auth.totp_failed", "auth.totp_enabled"]));
  });
});

describe("managing two-factor", () => {
  it("cancels a setup (the next start brings a new secret) and makes new backup codes with a code, ending the old ones", async () => {
    const { account, userId, browser: b } = await signUp();
    expect((await b.post("/account/two-factor", { intent: "start" })).status).toBe(303);
    const abandoned = await secretOnPage(b);
    const cancelled = await b.post("/account/two-factor", { intent: "cancel" });
    expect(cancelled.headers.get("location")).toBe("/account/two-factor?done=cancelled");
    expect(await (await b.get("/account/two-factor")).text()).toContain("Set up two-factor authentication");
    expect(
      (await b.post("/account/two-factor", { intent: "confirm", code: codeFor(abandoned, currentStep()) })).status,
    ).toBe(409);

    const { secret, step, backupCodes } = await enable(b);
    expect(secret).not.toBe(abandoned);
    expect((await b.post("/account/two-factor", { intent: "start" })).status, "already on").toBe(409);
    expect(
      (await b.post("/account/two-factor", { intent: "regenerate", code: codeFor(secret, step) })).status,
      "a spent code",
    ).toBe(401);
    const regenerated = await b.post("/account/two-factor", {
      intent: "regenerate",
      code: codeFor(secret, stepAfter(step)),
    });
    expect(regenerated.status).toBe(200);
    const fresh = backupCodesIn(await regenerated.text());
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => backupCodes.includes(code))).toEqual([]);
    expect(await auditActionsOf(userId)).toContain("auth.backup_codes_regenerated");

    const pending = await passwordStep(b, account);
    expect((await sendCode(b, pending, backupCodes[0] ?? "")).status, "the old codes end").toBe(401);
    expect((await sendCode(b, pending, fresh[0] ?? "")).status).toBe(303);
  });
});

describe("signing in with two-factor on", () => {
  it("asks for a code after the password without a session, refuses wrong and replayed codes, spends backup codes once, and turns off with a code", async () => {
    const { account, userId, browser: b } = await signUp();
    const { secret, step, backupCodes } = await enable(b);
    const [first, second, third] = backupCodes as [string, string, string];

    let pending = await passwordStep(b, account, "/chat?room=general");
    expect(await sessionCount(userId), "the pending step is not a session").toBe(0);
    const header = (await b.post("/login", { email: account.email, password: account.password })).headers
      .getSetCookie()
      .find((value) => value.startsWith(PENDING));
    expect(header).toMatch(/;\s*HttpOnly/i);
    expect(header).toMatch(/;\s*SameSite=Lax/i);
    expect(header).toMatch(/;\s*Max-Age=300/i);
    expect((await b.get("/account", { cookie: pending })).status, "the pending cookie signs nobody in").toBe(302);
    const stepPage = await b.get(STEP, { cookie: pending });
    expect(stepPage.status).toBe(200);
    expect(await stepPage.text()).toContain("Verify and sign in");

    const wrong = await sendCode(b, pending, codeFor(secret, step + 5));
    expect(wrong.status).toBe(401);
    expect(b.cookie).toBeUndefined();
    expect((await sendCode(b, pending, codeFor(secret, step))).status, "the confirming code is spent").toBe(401);
    expect(await sessionCount(userId)).toBe(0);

    const signInStep = stepAfter(step);
    const right = await sendCode(b, pending, codeFor(secret, signInStep));
    expect(right.status).toBe(303);
    expect(right.headers.get("location"), "next survives the step").toBe("/chat?room=general");
    expect(b.cookie).toBeDefined();
    expect(pendingCookieFrom(right), "the step ends").toBe("");
    expect(await sessionCount(userId)).toBe(1);

    pending = await passwordStep(b, account);
    expect((await sendCode(b, pending, codeFor(secret, signInStep))).status, "a replayed code").toBe(401);
    const withBackup = await sendCode(b, pending, first);
    expect(withBackup.status).toBe(303);
    expect(withBackup.headers.get("location")).toBe("/account");

    pending = await passwordStep(b, account);
    expect((await sendCode(b, pending, first)).status, "a backup code works once").toBe(401);
    expect((await sendCode(b, pending, ` ${second.toUpperCase().replace(/-/g, " ")} `)).status).toBe(303);
    expect(await (await b.get("/account/two-factor")).text()).toContain("8 unused backup codes");

    expect((await b.post("/account/two-factor", { intent: "disable", code: first })).status).toBe(401);
    const disabled = await b.post("/account/two-factor", { intent: "disable", code: third });
    expect(disabled.status).toBe(303);
    expect(disabled.headers.get("location")).toBe("/account/two-factor?done=disabled");
    expect(
      await database.db.selectFrom("totp_backup_codes").selectAll().where("user_id", "=", userId).execute(),
    ).toEqual([]);
    expect((await b.post("/logout", {})).status).toBe(303);
    const plain = await b.post("/login", { email: account.email, password: account.password });
    expect(plain.headers.get("location"), "off again: the password alone signs in").toBe("/account");

    expect(await auditActionsOf(userId)).toEqual(
      expect.arrayContaining([
        "auth.totp_enabled",
        "auth.totp_failed",
        "auth.totp_verified",
        "auth.backup_code_used",
        "auth.totp_disabled",
      ]),
    );
  });

  it("lets one of several simultaneous requests with the same code through, never more", async () => {
    const { account, browser: b } = await signUp();
    const { secret, step } = await enable(b);
    const pending = await passwordStep(b, account);
    const code = codeFor(secret, stepAfter(step));
    const statuses = (
      await Promise.all([browser(), browser(), browser()].map((device) => sendCode(device, pending, code)))
    ).map((response) => response.status);
    expect(statuses.sort()).toEqual([303, 401, 401]);
  });

  it("limits wrong codes per account: the sixth gets 429 with Retry-After, even when right", async () => {
    const { account, browser: b } = await signUp();
    const { secret, step } = await enable(b);
    const pending = await passwordStep(b, account);
    for (let attempt = 1; attempt <= 5; attempt++)
      expect((await sendCode(b, pending, codeFor(secret, step + 7))).status).toBe(401);
    const throttled = await sendCode(b, pending, codeFor(secret, stepAfter(step)));
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await throttled.text()).toContain("Too many wrong codes");
    expect(b.cookie).toBeUndefined();
  });

  it("lets the owner's known device enter its code while a stranger with the password has used up the wrong codes (decision 0017)", async () => {
    const owner = browser();
    const account = newAccount("tfa");
    const device = deviceCookieFrom(await registerAndConfirm(database.db, owner, account));
    const { secret, step } = await enable(owner);
    expect((await owner.post("/logout", {})).status).toBe(303);

    const stranger = browser();
    const strangersStep = await passwordStep(stranger, account);
    for (let attempt = 1; attempt <= 5; attempt++)
      expect((await sendCode(stranger, strangersStep, codeFor(secret, step + 7))).status).toBe(401);
    expect((await sendCode(stranger, strangersStep, codeFor(secret, stepAfter(step)))).status).toBe(429);

    const home = browser();
    const password = await home.post(
      "/login",
      { email: account.email, password: account.password },
      { headers: { cookie: device } },
    );
    expect(password.headers.get("location")).toBe(STEP);
    const ownersStep = pendingCookieFrom(password) ?? "";
    const code = await home.post(
      STEP,
      { code: codeFor(secret, stepAfter(step)) },
      { headers: { cookie: `${ownersStep}; ${device}` } },
    );
    expect(code.status).toBe(303);
    expect(home.cookie, "signed in").toBeDefined();
  });

  it("ends the pending step when it expires, and refuses missing or forged pending cookies", async () => {
    const { account, browser: setup } = await signUp();
    const { secret, step } = await enable(setup);
    const b = browser(hurried);
    const pending = await passwordStep(b, account);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const late = await sendCode(b, pending, codeFor(secret, stepAfter(step)));
    expect(late.status).toBe(401);
    expect(await late.text()).toContain("This sign-in step has expired");
    expect(b.cookie).toBeUndefined();
    expect((await b.get(STEP, { cookie: pending })).status).toBe(401);

    expect((await b.get(STEP)).status).toBe(401);
    const fresh = await passwordStep(browser(), account);
    const [name, value = ""] = fresh.split("=");
    const forged = `${name}=${value.slice(0, 10)}${value[10] === "A" ? "B" : "A"}${value.slice(11)}`;
    expect((await sendCode(b, forged, codeFor(secret, stepAfter(step)))).status).toBe(401);
    expect(b.cookie).toBeUndefined();
  });
});

describe("hostile input", () => {
  const values = [
    "",
    "   ",
    "abc\u0000def",
    "x".repeat(1024 * 1024),
    "١٢٣٤٥٦",
    "１２３４５６",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "\uD800x\uDFFF",
    "2222-2222-2222-2222-",
    "%E0%A4%A",
  ];

  it("answers every odd code, intent, body and pending cookie with a 4xx or a redirect, never a 500, and signs nobody in", async () => {
    const { account, browser: owner } = await signUp();
    await enable(owner);
    const guest = browser();
    const pending = await passwordStep(guest, account);
    const { browser: member } = await signUp();
    const statuses: [string, number][] = [];
    const record = async (name: string, response: Promise<Response>) => statuses.push([name, (await response).status]);
    for (const code of values) {
      for (const intent of ["start", "confirm", "regenerate", "disable", "cancel", "", "__proto__", code]) {
        await record(
          `account ${intent.slice(0, 20)} ${code.slice(0, 20)}`,
          member.post("/account/two-factor", { intent, code }),
        );
      }
      await record(`step ${code.slice(0, 20)}`, guest.post(STEP, { code }, { headers: { cookie: pending } }));
    }
    for (const cookie of [
      `${PENDING}=`,
      `${PENDING}=%E0%A4%A`,
      `${PENDING}=${"A".repeat(5000)}`,
      `${PENDING}=eyJ1c2VySWQiOiJ4In0%3D.AAAA`,
      `${pending}x`,
      `${pending.slice(0, -3)}`,
    ]) {
      await record(`GET cookie ${cookie.slice(0, 40)}`, browser().get(STEP, { cookie }));
      await record(
        `POST cookie ${cookie.slice(0, 40)}`,
        browser().post(STEP, { code: "123456" }, { headers: { cookie } }),
      );
    }
    for (const [body, type] of [
      ['{"code":"123456"}', "application/json"],
      ["garbage", "multipart/form-data"],
      ["a=&".repeat(10_000), "application/x-www-form-urlencoded"],
    ] as const) {
      await record(
        `step body ${type}`,
        guest.send(STEP, { method: "POST", body, headers: { "content-type": type, cookie: pending } }),
      );
      await record(
        `account body ${type}`,
        member.send("/account/two-factor", { method: "POST", body, headers: { "content-type": type } }),
      );
    }
    expect(statuses.filter(([, status]) => status >= 500 || status < 300)).toEqual([]);
    expect(guest.cookie).toBeUndefined();
  });
});

describe("confirming a drastic change with a code", () => {
  it("deletes the account with a code from the app instead of the password; a wrong code changes nothing", async () => {
    const { userId, browser: b } = await signUp();
    const { secret, step } = await enable(b);
    const wrong = await b.post("/account", { intent: "delete-account", code: codeFor(secret, step + 5) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That code is not valid");
    expect(
      await database.db.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst(),
    ).toBeDefined();

    const deleted = await b.post("/account", { intent: "delete-account", code: codeFor(secret, stepAfter(step)) });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe("/login?done=account-deleted");
    expect(
      await database.db.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await database.db.selectFrom("totp_credentials").select("user_id").where("user_id", "=", userId).execute(),
    ).toEqual([]);
    expect(await auditActionsOf(userId)).toEqual(expect.arrayContaining(["auth.totp_failed", "auth.account_deleted"]));
  });
});
