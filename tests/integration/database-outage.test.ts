import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Database } from "#app/models/database.server.ts";
import { createBrowser, newAccount, type Browser } from "../support/browser.ts";
import { startDedicatedPostgres, type DedicatedPostgres } from "../support/dedicated-postgres.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * PostgreSQL stopped under a running app: whatever needs the database answers 503
 * `http:database_unavailable` with Retry-After (pages, actions, client navigations, the API, the
 * event stream), never a 500; pages that do without it stay up; once it is back, so is everything.
 */
let cluster: DedicatedPostgres;
let db: Kysely<Database>;
let server: RunningServer;
let member: Browser;

beforeAll(async () => {
  cluster = await startDedicatedPostgres();
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  pool.on("error", () => undefined);
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  server = await startServer({
    DATABASE_URL: cluster.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
  });
  member = createBrowser(server.url);
  await registerAndConfirm(db, member, newAccount("outage"));
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await db?.destroy().catch(() => undefined);
  await cluster?.destroy();
});

async function expectUnavailable(response: Response, kind: "html" | "json"): Promise<void> {
  expect(response.status, `${response.url}: ${(await response.clone().text()).slice(0, 200)}`).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  const body = await response.text();
  expect(body).toContain("http:database_unavailable");
  if (kind === "json")
    expect(JSON.parse(body)).toEqual({
      status: 503,
      code: "http:database_unavailable",
      message: "The database cannot be reached right now. Try again in 5 seconds.",
    });
  else expect(body).toContain("The database cannot be reached right now.");
}

it(
  "answers 503 with Retry-After while PostgreSQL is stopped, then recovers when it is back",
  { timeout: 90_000 },
  async () => {
    expect((await member.get("/account")).status).toBe(200);
    await cluster.stop();
    try {
      // Pages and actions that need the database.
      await expectUnavailable(await member.get("/account"), "html");
      await expectUnavailable(await member.get("/chat"), "html");
      await expectUnavailable(
        await createBrowser(server.url).post("/login", { email: "someone@example.com", password: "a password" }),
        "html",
      );
      await expectUnavailable(
        await createBrowser(server.url).post("/forgot-password", { email: "someone@example.com" }),
        "html",
      );
      // A client navigation (React Router's data request) and the JSON API.
      const navigation = await member.get("/account.data");
      expect(navigation.status).toBe(503);
      expect(navigation.headers.get("retry-after")).toBe("5");
      expect(await navigation.text()).toContain("http:database_unavailable");
      await expectUnavailable(await member.get("/api/v0/me"), "json");
      await expectUnavailable(await member.get("/api/v0/chat/rooms/lobby/messages"), "json");
      // The event stream reads the session before it starts.
      await expectUnavailable(
        await member.get(`/events?tab=${crypto.randomUUID()}&room=lobby`, { accept: "application/json" }),
        "json",
      );
      // What needs no database stays up: the home page (as a guest), liveness; readiness says no.
      expect((await member.get("/")).status).toBe(200);
      expect((await member.get("/health")).status).toBe(200);
      expect((await member.get("/ready")).status).toBe(503);
      expect(server.logs().some((line) => line.msg === "unhandled error in a route" && (line.level ?? 0) >= 50)).toBe(
        true,
      );
    } finally {
      await cluster.start();
    }
    await expect.poll(async () => (await member.get("/account")).status, { timeout: 30_000, interval: 250 }).toBe(200);
    expect((await member.get("/api/v0/me")).status).toBe(200);
    expect((await member.post("/chat?room=lobby", { intent: "post", body: "back again" })).status).toBe(303);
  },
);
