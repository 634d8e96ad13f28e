import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, newAccount } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { followConfirmation, linkIn, mailTo, registerAndConfirm } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * ADMIN_EMAILS grant the admin role only to a proven address (issue 18, decision 0022): whoever
 * registers a listed address first gains nothing until the address's link is followed, and the
 * start-up log names the listed addresses that are unclaimed or not proven.
 */
const SECRET = randomBytes(64).toString("base64url");
const BOSS = "proven-boss@example.com";
const OLD_BOSS = "old-boss@example.com";
const NOBODY = "nobody-boss@example.com";
const ADMIN_EMAILS = [BOSS, OLD_BOSS, NOBODY].join(",");

let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: SECRET,
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS,
  });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const userRow = (email: string) =>
  database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();

describe("an ADMIN_EMAILS address", () => {
  it("makes no admin at sign-up, and an admin once its link is followed", async () => {
    const b = createBrowser(server.url);
    const account = { ...newAccount("boss"), email: BOSS };
    expect((await b.post("/register", account)).status).toBe(303);
    expect((await userRow(BOSS)).role).toBe("member");
    await followConfirmation(b, linkIn(await mailTo(database.db, BOSS, /^Welcome to/), "/verify-email"));
    expect((await userRow(BOSS)).role).toBe("admin");
    expect((await b.get("/admin")).status).toBe(200);
  });

  it("leaves an account whose address is not proven a member that cannot open /admin, until it proves it", async () => {
    const b = createBrowser(server.url);
    const account = { ...newAccount("old"), email: OLD_BOSS };
    await registerAndConfirm(database.db, b, account);
    // An account from before addresses were proven: signed in, listed, unproven.
    const { id } = await userRow(OLD_BOSS);
    await database.db
      .updateTable("users")
      .set({ role: "member", email_verified_at: null })
      .where("id", "=", id)
      .execute();
    expect((await b.post("/logout", {})).status).toBe(303);
    expect((await b.post("/login", { email: OLD_BOSS, password: account.password })).status).toBe(303);
    expect((await userRow(OLD_BOSS)).role).toBe("member");
    expect((await b.get("/admin")).status).toBe(403);

    // "Send the link again" from the banner, then the link.
    expect((await b.post("/verify-email", { intent: "resend" })).status).toBe(303);
    await followConfirmation(
      b,
      linkIn(await mailTo(database.db, OLD_BOSS, /^Confirm your email address/), "/verify-email"),
    );
    expect((await userRow(OLD_BOSS)).role).toBe("admin");
    expect((await b.get("/admin")).status).toBe(200);
  });

  it("at start, names the unclaimed and unproven addresses and takes the role from an unproven admin", async () => {
    const { id } = await userRow(OLD_BOSS);
    await database.db
      .updateTable("users")
      .set({ role: "admin", email_verified_at: null })
      .where("id", "=", id)
      .execute();
    const second = await startServer({ DATABASE_URL: database.url, SESSION_SECRET: SECRET, ADMIN_EMAILS });
    try {
      const deadline = Date.now() + 10_000;
      let report = second.logs().find((line) => String(line.msg).startsWith("ADMIN_EMAILS:"));
      while (!report && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        report = second.logs().find((line) => String(line.msg).startsWith("ADMIN_EMAILS:"));
      }
      expect(report).toMatchObject({ unclaimed: [NOBODY], unverified: [OLD_BOSS], demoted: [OLD_BOSS] });
      expect((await userRow(OLD_BOSS)).role).toBe("member");
      expect((await userRow(BOSS)).role).toBe("admin");
      const audit = await database.db
        .selectFrom("action_logs")
        .selectAll()
        .where("action", "=", "auth.role_changed")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      expect(audit.metadata).toMatchObject({ userId: id, from: "admin", to: "member" });
    } finally {
      await second.stop();
    }
  });
});
