import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBrowser } from "../support/browser.ts";
import { post, registerMember, type Member } from "../support/chat.ts";
import { CookieJar } from "../support/cookie-jar.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { listedSlugs, writePost } from "../support/posts.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * DATABASE_READ_URL without a real replica: the same database reached as a role that may only
 * SELECT, and that a row-level policy keeps from seeing posts titled "Unreplicated …" (a stand-in
 * for replica lag: rows the replica has not received yet). So:
 * - a guest who cannot see such a post, while the admin can, read through the read pool;
 * - every write succeeding proves no write went to it (the role would be refused);
 * - the admin seeing the post at once shows authors read their own writes from the primary.
 */
const ADMIN_EMAIL = "replica-owner@example.com";
const READ_APP_NAME = "glassbox-read-test";

let database: TestDatabase;
let server: RunningServer;
let owner: Member;
let reader: string;

beforeAll(async () => {
  database = await createTestDatabase();
  reader = `reader_${database.name}`;
  const password = randomBytes(12).toString("hex");
  await database.admin(`CREATE ROLE ${reader} LOGIN PASSWORD '${password}'`);
  await sql
    .raw(`GRANT USAGE ON SCHEMA public TO ${reader}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`)
    .execute(database.db);
  await sql
    .raw(
      `ALTER TABLE posts ENABLE ROW LEVEL SECURITY; CREATE POLICY replica_lag ON posts FOR SELECT TO ${reader} USING (title NOT LIKE 'Unreplicated%')`,
    )
    .execute(database.db);
  const readUrl = new URL(database.url);
  readUrl.username = reader;
  readUrl.password = password;
  readUrl.searchParams.set("application_name", READ_APP_NAME);
  server = await startServer({
    DATABASE_URL: database.url,
    DATABASE_READ_URL: readUrl.href,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: ADMIN_EMAIL,
  });
  owner = await registerMember(database.db, server.url, "owner", ADMIN_EMAIL);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  await database?.admin(`DROP ROLE IF EXISTS ${reader}`);
});

it("guests read posts through the read pool; the admin reads the primary and sees their own writes at once", async () => {
  const lagging = await writePost(owner.browser, {
    title: "Unreplicated lighthouse notes",
    body: "The lighthouse keeper's log.",
  });
  const replicated = await writePost(owner.browser, {
    title: "Replicated lighthouse essay",
    body: "Lighthouses, replicated.",
  });
  const guest = createBrowser(server.url);

  expect(listedSlugs(await (await guest.get("/writing")).text())).toEqual([replicated]);
  expect(listedSlugs(await (await guest.get("/writing?q=lighthouse")).text())).toEqual([replicated]);
  expect((await guest.get(`/writing/${lagging}`)).status).toBe(404);
  expect((await guest.get(`/writing/${replicated}`)).status).toBe(200);

  expect(listedSlugs(await (await owner.browser.get("/writing")).text())).toEqual([replicated, lagging]);
  expect(listedSlugs(await (await owner.browser.get("/writing?q=lighthouse")).text()).sort()).toEqual(
    [lagging, replicated].sort(),
  );
  expect((await owner.browser.get(`/writing/${lagging}`)).status).toBe(200);

  const connections = await sql<{
    usename: string;
  }>`select usename from pg_stat_activity where datname = ${database.name} and application_name = ${READ_APP_NAME}`.execute(
    database.db,
  );
  expect(connections.rows.length).toBeGreaterThan(0);
  expect(new Set(connections.rows.map((row) => row.usename))).toEqual(new Set([reader]));
});

it("every write still succeeds: sign-up, sign-in, chat, editing and deleting posts", async () => {
  const member = await registerMember(database.db, server.url, "member");
  const again = createBrowser(server.url);
  expect((await again.post("/login", { email: member.email, password: member.password })).status).toBe(303);
  await post(member.browser, "written through the primary");
  expect((await member.browser.get("/chat")).status).toBe(200);
  expect((await member.browser.get("/account")).status).toBe(200);

  const slug = await writePost(owner.browser, { title: "Replicated edit target", body: "Before." });
  const edited = await owner.browser.post(`/writing/${slug}/edit`, {
    title: "Replicated edit target",
    slug,
    summary: "",
    body: "After.",
  });
  expect(edited.status).toBe(303);
  expect(await (await owner.browser.get(`/writing/${slug}`)).text()).toContain("After.");
  expect((await owner.browser.post(`/writing/${slug}/edit`, { intent: "delete" })).status).toBe(303);

  const rows = await database.db.selectFrom("action_logs").select("action").where("action", "like", "post.%").execute();
  expect(rows.map((row) => row.action).sort()).toEqual([
    "post.created",
    "post.created",
    "post.created",
    "post.deleted",
    "post.updated",
  ]);
  expect(server.logs().filter((line) => (line.level ?? 0) >= 50)).toEqual([]);
});

it("the lab shows which pool ran each statement", async () => {
  const jar = new CookieJar();
  const visit = async (path: string) => {
    const response = await fetch(new URL(path, server.url), { headers: jar.header() ? { cookie: jar.header()! } : {} });
    jar.store(response.headers.getSetCookie());
    return response.text();
  };
  await visit("/health"); // the visitor cookie first: a request without one keeps no traces
  await visit("/writing?q=lighthouse");
  // The chat history is read from the primary; the lab's own read of it is deferred (it may finish
  // after the page's trace snapshot), so the chat page's read is the one the snapshot shows.
  await visit("/chat");
  const lab = await visit("/lab");
  // React puts <!-- --> between adjacent text nodes; the statement text is HTML-escaped.
  const sqlLine = (pool: string, statement: string) =>
    new RegExp(
      `data-kind="sql"><span class="trace__kind">sql</span><span class="trace__pool"> (?:<!-- -->)?${pool}</span> <code>${statement}`,
    );
  expect(lab).toMatch(sqlLine("read", "select &quot;posts&quot;.&quot;id&quot;[^<]*websearch_to_tsquery"));
  expect(lab).toMatch(sqlLine("primary", "select [^<]*from &quot;chat_messages&quot;"));
  expect(lab).not.toMatch(sqlLine("read", "select [^<]*from &quot;chat_messages&quot;"));
});
