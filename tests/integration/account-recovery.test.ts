import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, newAccount, nextIp, sessionIdOf, type Browser } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { allMailTo, linkIn, mailTo, registerAndConfirm, tokenOf } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Accounts a user can rely on (issue 13), over HTTP against the production build and a real
 * PostgreSQL, the job worker running in the web process (mail lands in the development mailbox):
 * password reset, email verification and change, account deletion, admin demotion, and that no
 * answer tells a stranger whether an address has an account.
 */
const SECRET = randomBytes(64).toString("base64url");
const ADMIN_EMAIL = "recovery-admin@example.com";

let database: TestDatabase;
let server: RunningServer;
/** The same app without a job worker: requests only enqueue, so timing compares the requests alone. */
let quiet: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    SESSION_SECRET: SECRET,
    TRUST_PROXY: "loopback",
    SIGNUPS_PER_ADDRESS_PER_HOUR: "100000",
    ADMIN_EMAILS: ADMIN_EMAIL,
  };
  [server, quiet] = await Promise.all([
    startServer({ ...env, WORKER: "inline" }),
    startServer({ ...env, WORKER: "off" }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), quiet?.stop()]);
  await database?.drop();
});

type Account = ReturnType<typeof newAccount>;
const browser = (on: RunningServer = server, options: { ip?: string } = {}) => createBrowser(on.url, options);
const userRow = (email: string) =>
  database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
const sessionsOf = async (userId: string) =>
  (await database.db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute()).length;
const actionsOf = async (userId: string) =>
  (
    await database.db.selectFrom("action_logs").select("action").where("actor_id", "=", userId).orderBy("id").execute()
  ).map((row) => row.action);

async function member(prefix = "rec"): Promise<{ account: Account; browser: Browser; id: string }> {
  const account = newAccount(prefix);
  const b = browser();
  await registerAndConfirm(database.db, b, account);
  const row = await userRow(account.email);
  if (!row) throw new Error("no user row");
  return { account, browser: b, id: row.id };
}

const signIn = async (account: Account, on: Browser = browser()) => {
  expect((await on.post("/login", { email: account.email, password: account.password })).status).toBe(303);
  return on;
};

/** Asks for a reset link and returns the mailed link's token (the worker looks the address up and mails it). */
async function resetLink(email: string): Promise<string> {
  const before = (await allMailTo(database.db, email)).length;
  expect((await browser().post("/forgot-password", { email })).headers.get("location")).toBe("/forgot-password?sent");
  await expect
    .poll(async () => (await allMailTo(database.db, email)).length, { timeout: 10_000 })
    .toBeGreaterThan(before);
  return tokenOf(linkIn(await mailTo(database.db, email, /^Choose a new glassbox password$/), "/reset-password"));
}

/** What a stranger sees of an answer: status, headers (values that differ per request set aside, cookies by name), body. */
async function visible(response: Response): Promise<string> {
  const headers = [...response.headers]
    .filter(([name]) => !["date", "x-request-id", "server-timing", "content-security-policy"].includes(name))
    .map(([name, value]) => (name === "set-cookie" ? `${name}: ${value.split("=")[0]}` : `${name}: ${value}`));
  return JSON.stringify({ status: response.status, headers, body: await response.text() });
}

/** A page, with what differs per request (the CSP nonce) set aside. */
const page = async (on: Browser, path: string) =>
  (await (await on.get(path)).text()).replace(/nonce="[^"]*"/g, 'nonce=""');

describe("password reset", () => {
  it("mails a single-use link that sets a new password, ends every session and writes the action log", async () => {
    const { account, browser: first, id } = await member("reset");
    const second = await signIn(account);
    expect(await sessionsOf(id)).toBe(2);

    const token = await resetLink(account.email);
    const form = await browser().get(`/reset-password?token=${token}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("Choose a new password");
    const newPassword = `${account.password} reset`;
    const done = await browser().post("/reset-password", { token, password: newPassword });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/login?done=password-reset");

    expect(await sessionsOf(id)).toBe(0);
    for (const device of [first, second]) expect((await device.get("/account")).status).toBe(302);
    expect((await browser().post("/login", { email: account.email, password: account.password })).status).toBe(401);
    await signIn({ ...account, password: newPassword });
    expect(await actionsOf(id)).toContain("auth.password_reset");
    const entry = await database.db
      .selectFrom("action_logs")
      .select("metadata")
      .where("actor_id", "=", id)
      .where("action", "=", "auth.password_reset")
      .executeTakeFirstOrThrow();
    expect(entry.metadata).toEqual({ endedSessions: 2 });
    await mailTo(database.db, account.email, /^Your glassbox password was changed$/);

    // The link's token is a bearer secret: the request log shows the path, never the token.
    expect(server.logs().some((line) => String(line.msg).startsWith("GET /reset-password?token=…"))).toBe(true);
    expect(JSON.stringify(server.logs())).not.toContain(token);

    // Used: the same link again is refused, page and form alike.
    expect((await browser().get(`/reset-password?token=${token}`)).status).toBe(400);
    const again = await browser().post("/reset-password", { token, password: `${newPassword} again` });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("This link has expired, was already used, or is not complete.");
  });

  it("refuses an expired link and a forged one, changing nothing", async () => {
    const { account, id } = await member("expired");
    const token = await resetLink(account.email);
    // 30 minutes later, as far as the row is concerned.
    await sql`update account_tokens set expires_at = now() - interval '1 second' where user_id = ${id} and purpose = 'password_reset'`.execute(
      database.db,
    );
    expect((await browser().get(`/reset-password?token=${token}`)).status).toBe(400);
    expect((await browser().post("/reset-password", { token, password: "a new password that waits" })).status).toBe(
      400,
    );

    for (const forged of [
      randomBytes(32).toString("base64url"),
      `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
      "short",
      "",
    ]) {
      expect((await browser().get(`/reset-password?token=${encodeURIComponent(forged)}`)).status, forged).toBe(400);
      expect(
        (await browser().post("/reset-password", { token: forged, password: "a new password that waits" })).status,
        forged,
      ).toBe(400);
    }
    await signIn(account);
    expect(await actionsOf(id)).not.toContain("auth.password_reset");
  });

  it("answers the same for a known and an unknown address, byte for byte, and mails only the known one", async () => {
    const { account } = await member("same");
    const unknown = `nobody_${randomBytes(4).toString("hex")}@example.com`;
    const known = await browser().post("/forgot-password", { email: account.email });
    const stranger = await browser().post("/forgot-password", { email: unknown });
    expect(await visible(known)).toBe(await visible(stranger));
    expect(known.status).toBe(303);
    expect(await page(browser(), "/forgot-password?sent")).toContain(
      "If an account uses that address, a link to choose a new password is on its way.",
    );
    await mailTo(database.db, account.email, /^Choose a new glassbox password$/);
    // The worker has looked the unknown address up once its request's job is gone (finished jobs are deleted).
    const pending = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from graphile_worker._private_jobs where payload->>'email' = ${unknown}`.execute(
          database.db,
        )
      ).rows[0]?.n;
    await expect.poll(pending).toBe(0);
    expect(await allMailTo(database.db, unknown)).toEqual([]);
  });

  it("throttles requests per address (3 an hour) and per client network (10 an hour), known or not", async () => {
    const email = `throttled_${randomBytes(4).toString("hex")}@example.com`;
    for (let index = 0; index < 3; index++)
      expect((await browser().post("/forgot-password", { email })).status).toBe(303);
    const refused = await browser().post("/forgot-password", { email });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many password reset requests.");

    const ip = nextIp();
    for (let index = 0; index < 10; index++)
      expect((await browser(server, { ip }).post("/forgot-password", { email: `n${index}_${email}` })).status).toBe(
        303,
      );
    expect((await browser(server, { ip }).post("/forgot-password", { email: `other_${email}` })).status).toBe(429);
  });
});

describe("the same answer, and the same time, for existing and unknown emails", () => {
  /**
   * Interleaved samples (known, unknown, unknown, known, …) of one request, each from its own
   * address; each kind summed up by its interquartile mean (the middle half of its samples), which
   * a loaded, shared machine's stray slow request moves less than a mean and a median of 20 do.
   */
  async function timed(samples: number, send: (kind: "known" | "unknown", index: number) => Promise<Response>) {
    const ms = { known: [] as number[], unknown: [] as number[] };
    for (let index = 0; index < samples; index++) {
      for (const kind of index % 2 ? (["unknown", "known"] as const) : (["known", "unknown"] as const)) {
        const started = performance.now();
        const response = await send(kind, index);
        await response.arrayBuffer();
        ms[kind].push(performance.now() - started);
      }
    }
    return { known: interquartileMean(ms.known), unknown: interquartileMean(ms.unknown) };
  }
  const interquartileMean = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.slice(Math.floor(sorted.length / 4), Math.ceil((sorted.length * 3) / 4));
    return middle.reduce((sum, value) => sum + value, 0) / middle.length;
  };
  /** An account that exists (made directly: these tests are about the answers to others). */
  const existingAccount = (prefix: string) => {
    const { username, email } = newAccount(prefix);
    return database.db
      .insertInto("users")
      .values({ username, email, password_hash: null, email_verified_at: new Date() })
      .returning("email")
      .executeTakeFirstOrThrow();
  };
  const within20Percent = ({ known, unknown }: { known: number; unknown: number }) =>
    Math.abs(known - unknown) / Math.min(known, unknown);

  it("registration: a taken email gets the new email's answer byte for byte, within 20 % of its time over 20 samples each", async () => {
    const owners = await Promise.all(Array.from({ length: 21 }, () => existingAccount("owner")));
    // A warm-up of each path, not measured.
    await (await browser(quiet).post("/register", newAccount("warm"))).arrayBuffer();
    await (
      await browser(quiet).post("/register", { ...newAccount("warm"), email: owners[20]?.email ?? "" })
    ).arrayBuffer();
    const answers: Record<"known" | "unknown", string[]> = { known: [], unknown: [] };
    const timing = await timed(20, async (kind, index) => {
      const fields = { ...newAccount(kind), next: "/chat" };
      const response = await browser(quiet).post(
        "/register",
        kind === "known" ? { ...fields, email: owners[index]?.email ?? "" } : fields,
      );
      answers[kind].push(await visible(response.clone()));
      return response;
    });
    expect(new Set([...answers.known, ...answers.unknown]).size, "every answer the same").toBe(1);
    expect(JSON.parse(answers.known[0] ?? "{}")).toMatchObject({ status: 303 });
    expect(within20Percent(timing), JSON.stringify(timing)).toBeLessThanOrEqual(0.2);
    // The owners were told (by mail, queued), the strangers learnt nothing.
    await mailTo(database.db, owners[0]?.email ?? "", /^Someone tried to create a glassbox account with your address$/);
  });

  it("password reset: byte for byte the same answer, within 20 % of the time over 20 samples each", async () => {
    const owners = await Promise.all(Array.from({ length: 21 }, () => existingAccount("resetown")));
    // A warm-up of each path, not measured.
    await (await browser(quiet).post("/forgot-password", { email: owners[20]?.email ?? "" })).arrayBuffer();
    await (
      await browser(quiet).post("/forgot-password", { email: `warm_${randomBytes(5).toString("hex")}@example.com` })
    ).arrayBuffer();
    const answers: Record<"known" | "unknown", string[]> = { known: [], unknown: [] };
    const timing = await timed(20, async (kind, index) => {
      const email =
        kind === "known" ? (owners[index]?.email ?? "") : `nobody_${randomBytes(5).toString("hex")}@example.com`;
      const response = await browser(quiet).post("/forgot-password", { email });
      answers[kind].push(await visible(response.clone()));
      return response;
    });
    expect(new Set([...answers.known, ...answers.unknown]).size).toBe(1);
    expect(within20Percent(timing), JSON.stringify(timing)).toBeLessThanOrEqual(0.2);
  });
});

describe("registration with a taken email", () => {
  it("mails the address's owner instead of telling the stranger; a registration never confirmed does not hold the address", async () => {
    const { account: owner } = await member("owner");
    const stranger = browser();
    const taken = await stranger.post("/register", { ...newAccount("stranger"), email: owner.email });
    expect(taken.headers.get("location")).toMatch(/^\/register\/check-email/);
    const notice = await mailTo(
      database.db,
      owner.email,
      /^Someone tried to create a glassbox account with your address$/,
    );
    expect(notice.text).toContain("/forgot-password");
    // The stranger's password signs in to nothing, exactly like a wrong one.
    expect((await browser().post("/login", { email: owner.email, password: "the stranger's password" })).status).toBe(
      401,
    );

    const first = newAccount("pending");
    expect((await browser().post("/register", first)).status).toBe(303);
    const second = { ...newAccount("takeover"), email: first.email };
    await registerAndConfirm(database.db, browser(), second);
    expect(await userRow(first.email)).toMatchObject({ username: second.username, registration_pending: false });
    expect(
      await database.db.selectFrom("users").select("id").where("username", "=", first.username).executeTakeFirst(),
    ).toBeUndefined();
  });
});

describe("email verification", () => {
  it("keeps an unverified member from posting (chat and API) until the resent link is followed", async () => {
    const { account, browser: b, id } = await member("unverified");
    // An account from before verification existed: its address was never proven.
    await database.db.updateTable("users").set({ email_verified_at: null }).where("id", "=", id).execute();
    const home = await b.get("/chat");
    expect(await home.text()).toContain("Send the link again");
    const refused = await b.post("/chat?room=lobby", { intent: "post", body: "not yet" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Confirm your email address first");
    const api = await b.send("/api/v0/chat/rooms/lobby/messages", {
      method: "POST",
      body: JSON.stringify({ body: "not yet" }),
      headers: { "content-type": "application/json" },
    });
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ status: 403, code: "auth:email_not_verified" });

    expect((await b.post("/verify-email", { intent: "resend" })).headers.get("location")).toBe(
      "/account?done=verification-sent",
    );
    const link = linkIn(
      await mailTo(database.db, account.email, /^Confirm your email address for glassbox$/),
      "/verify-email",
    );
    expect((await b.get(link)).status).toBe(200); // opening the link changes nothing
    expect((await userRow(account.email))?.email_verified_at).toBeNull();
    const confirmed = await b.post("/verify-email", { intent: "confirm", token: tokenOf(link) });
    expect(confirmed.headers.get("location")).toBe("/account?done=email-verified");
    expect((await b.post("/chat?room=lobby", { intent: "post", body: "verified now" })).status).toBe(303);
    expect(await actionsOf(id)).toContain("auth.email_verified");
    // Spent.
    expect((await b.post("/verify-email", { intent: "confirm", token: tokenOf(link) })).status).toBe(400);
  });

  it("changes the address only through a link to the new one, followed by the account's owner; a taken address gets the same answer and its owner a notice", async () => {
    const { account, browser: b, id } = await member("mover");
    const { account: other } = await member("holder");
    const newEmail = `moved_${randomBytes(4).toString("hex")}@example.com`;

    const wrong = await b.post("/account", {
      intent: "change-email",
      email: newEmail,
      currentPassword: "not my password",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The current password is not correct.");

    const free = await b.post("/account", {
      intent: "change-email",
      email: newEmail,
      currentPassword: account.password,
    });
    const takenAnswer = await b.post("/account", {
      intent: "change-email",
      email: other.email,
      currentPassword: account.password,
    });
    expect(await visible(takenAnswer)).toBe(await visible(free));
    expect(free.headers.get("location")).toBe("/account?done=email-change-sent");
    await mailTo(database.db, other.email, /^Someone tried to use your address for another glassbox account$/);
    expect((await userRow(account.email))?.id).toBe(id); // unchanged until the link is followed

    // Asking for the taken address revoked the earlier link, exactly as a free one would have.
    const first = linkIn(
      await mailTo(database.db, newEmail, /^Confirm your new email address for glassbox$/),
      "/verify-email",
    );
    expect((await b.post("/verify-email", { intent: "confirm", token: tokenOf(first) })).status).toBe(400);
    expect(
      (await b.post("/account", { intent: "change-email", email: newEmail, currentPassword: account.password })).status,
    ).toBe(303);
    await expect.poll(async () => (await allMailTo(database.db, newEmail)).length).toBe(2);
    const link = linkIn(
      await mailTo(database.db, newEmail, /^Confirm your new email address for glassbox$/),
      "/verify-email",
    );

    // Whoever reads the new mailbox cannot take the account: following the link needs its owner.
    const reader = await browser().post("/verify-email", { intent: "confirm", token: tokenOf(link) });
    expect(reader.headers.get("location")).toMatch(/^\/login\?next=%2Fverify-email%3Ftoken%3D/);
    expect((await userRow(account.email))?.id).toBe(id);

    const moved = await b.post("/verify-email", { intent: "confirm", token: tokenOf(link) });
    expect(moved.headers.get("location")).toBe("/account?done=email-changed");
    expect(await userRow(newEmail)).toMatchObject({ id, email: newEmail });
    expect((await userRow(newEmail))?.email_verified_at).toBeInstanceOf(Date);
    await mailTo(database.db, account.email, /^Your glassbox email address was changed$/);
    await signIn({ ...account, email: newEmail });
  });
});

describe("the account page", () => {
  it("sets and clears a display name, shown in the header", async () => {
    const { account, browser: b } = await member("named");
    expect(
      (await b.post("/account", { intent: "display-name", displayName: "  Ada L.  " })).headers.get("location"),
    ).toBe("/account?done=display-name-changed");
    expect(await (await b.get("/chat")).text()).toMatch(/Signed in as <a [^>]*>Ada L\.<\/a>/);
    expect((await b.post("/account", { intent: "display-name", displayName: "x".repeat(51) })).status).toBe(400);
    expect((await b.post("/account", { intent: "display-name", displayName: "" })).status).toBe(303);
    expect(await (await b.get("/chat")).text()).toContain(`>${account.username}</a>`);
  });

  it("deletes the account after the password: sessions and connections go, chat messages stay as 'deleted user', the action log keeps the entry", async () => {
    const { account, browser: b, id } = await member("leaver");
    const elsewhere = await signIn(account);
    const body = `goodbye ${randomBytes(4).toString("hex")}`;
    expect((await b.post("/chat?room=lobby", { intent: "post", body })).status).toBe(303);

    expect((await b.post("/account", { intent: "delete-account", currentPassword: "wrong password" })).status).toBe(
      400,
    );
    expect((await b.post("/account", { intent: "delete-account" })).status).toBe(400);
    expect(await userRow(account.email)).toBeDefined();

    const deleted = await b.post("/account", { intent: "delete-account", currentPassword: account.password });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe("/login?done=account-deleted");
    expect(await userRow(account.email)).toBeUndefined();
    expect(await sessionsOf(id)).toBe(0);
    expect((await elsewhere.get("/api/v0/me")).status).toBe(401);
    const message = await database.db
      .selectFrom("chat_messages")
      .select(["author_id", "author_name"])
      .where("body", "=", body)
      .executeTakeFirstOrThrow();
    expect(message).toEqual({ author_id: null, author_name: "deleted user" });
    expect(await actionsOf(id)).toContain("auth.account_deleted");
    await mailTo(database.db, account.email, /^Your glassbox account was deleted$/);
    expect((await browser().post("/login", { email: account.email, password: account.password })).status).toBe(401);
  });

  it("lets an admin demote a moderator to a member, audited", async () => {
    const { browser: boss, id: bossId } = await member("boss");
    await database.db.updateTable("users").set({ role: "admin" }).where("id", "=", bossId).execute();
    const { id } = await member("mod");
    expect((await boss.post("/admin", { userId: id, change: "promote" })).status).toBe(303);
    const demoted = await boss.post("/admin", { userId: id, change: "demote" });
    expect(demoted.headers.get("location")).toBe("/admin?done=demoted");
    expect(
      (await database.db.selectFrom("users").select("role").where("id", "=", id).executeTakeFirstOrThrow()).role,
    ).toBe("member");
    expect((await boss.post("/admin", { userId: id, change: "demote" })).status).toBe(409);
    const changes = await database.db
      .selectFrom("action_logs")
      .select("metadata")
      .where("action", "=", "auth.role_changed")
      .where("resource_id", "=", id)
      .orderBy("id")
      .execute();
    expect(changes.map((row) => [row.metadata.from, row.metadata.to])).toEqual([
      ["member", "moderator"],
      ["moderator", "member"],
    ]);
  });
});

describe("the lab's database check", () => {
  const lookUp = async (on: Browser, email: string) => {
    const response = await on.post("/lab?index", { intent: "database-check", email });
    expect(response.status).toBe(200);
    return (await response.text()).includes("Found <strong>") ? "found" : "not found";
  };

  it("shows a guest nothing about anyone, and a member only their own account", async () => {
    const { account: ada, browser: adaBrowser } = await member("ada");
    const { account: bob } = await member("bob");
    const unknown = `nobody_${randomBytes(4).toString("hex")}@example.com`;
    const guest = browser();
    const guestAnswers = [await lookUp(guest, ada.email), await lookUp(guest, unknown)];
    expect(guestAnswers).toEqual(["not found", "not found"]);
    const html = await (await browser().post("/lab?index", { intent: "database-check", email: ada.email })).text();
    expect(html).not.toContain(ada.username);
    expect(await lookUp(adaBrowser, bob.email)).toBe("not found");
    expect(await lookUp(adaBrowser, ada.email)).toBe("found");
  });
});

describe("ids", () => {
  it("mints a new session id when the confirmation link signs in", async () => {
    const { browser: b, id } = await member("fresh");
    const row = await database.db
      .selectFrom("sessions")
      .select("user_id")
      .where("id", "=", sessionIdOf(b.cookie ?? ""))
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBe(id);
  });
});
