import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, formBody, type Browser } from "../support/browser.ts";
import {
  decide,
  messageRow,
  opened,
  openChatStream,
  post,
  postMessage,
  registerMember,
  uniqueBody,
  type Member,
} from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { waitForBody } from "../support/sse-client.ts";

/**
 * The chat's rules over HTTP against the production build: the rate limit, body rules, holding and
 * moderation, joining, the audit trail, history paging, access to moderation, hostile input, the
 * event stream's headers; and, in a child process with --expose-gc, stream cleanup under churn.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ADMIN_EMAIL = "chat-rules-boss@example.com";
const RATE_MESSAGE = "Too many messages — slow down and try again";
const DECIDED_MESSAGE = "Another moderator has already decided on this message.";

let database: TestDatabase;
let server: RunningServer;
let boss: Member;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: ADMIN_EMAIL,
  });
  boss = await registerMember(database.db, server.url, "boss", ADMIN_EMAIL);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const member = (prefix = "member") => registerMember(database.db, server.url, prefix);
async function moderator(prefix = "mod"): Promise<Member> {
  const made = await member(prefix);
  expect((await boss.browser.post("/admin", { userId: made.id })).status).toBe(303);
  return made;
}
const guest = () => createBrowser(server.url);
/** A member's chat entries in the action log (the room is the entry's resource). */
const auditOf = (actorId: string) =>
  database.db
    .selectFrom("action_logs")
    .selectAll()
    .where("actor_id", "=", actorId)
    .where("action", "like", "chat.%")
    .orderBy("id")
    .execute();
/** The ids of the messages a chat page lists, in page order. */
const listedIds = (html: string) => [...html.matchAll(/data-message-id="(\d+)"/g)].map((match) => match[1]!);
const olderLink = (html: string) =>
  /<a[^>]*href="([^"]*)"[^>]*>Load older messages<\/a>/.exec(html)?.[1]?.replaceAll("&amp;", "&");

describe("posting rules", () => {
  it("refuses the 6th message within 10 s with 429, the exact message and a Retry-After; per member and room", async () => {
    const ada = await member("ratelimit");
    for (let i = 1; i <= 5; i++) await post(ada.browser, `message ${i} of five`);
    const sixth = await postMessage(ada.browser, "one too many");
    expect(sixth.status).toBe(429);
    expect(await sixth.text()).toContain(RATE_MESSAGE);
    const retryAfter = sixth.headers.get("retry-after") ?? "(none)";
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(10);
    const rows = await database.db.selectFrom("chat_messages").select("body").where("author_id", "=", ada.id).execute();
    expect(rows.map((row) => row.body).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `message ${i} of five`).sort());
    expect((await auditOf(ada.id)).filter((row) => row.action === "chat.post")).toHaveLength(5);
    // The limit is per member and per room.
    await post((await member("ratelimit2")).browser, "another member is not limited");
    await post(ada.browser, "another room is not limited", "demo");
  });

  it("accepts 1000 characters (after trimming), refuses 1001, whitespace only, and no body with 400", async () => {
    const author = await member("lengths");
    const thousand = "y".repeat(1000);
    await post(author.browser, `  ${thousand}\n `);
    expect((await messageRow(database.db, thousand)).body).toHaveLength(1000);

    const tooLong = await postMessage(author.browser, "z".repeat(1001));
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain("Keep it to 1000 characters");
    for (const body of [" ", "\n\t  \r\n", ""]) {
      const blank = await postMessage(author.browser, body);
      expect(blank.status, JSON.stringify(body)).toBe(400);
      expect(await blank.text()).toContain("Write a message");
    }
    const missing = await author.browser.post("/chat?room=lobby", { intent: "post" });
    expect(missing.status).toBe(400);
    // Refused bodies do not use up the rate limit: four more are still accepted.
    for (let i = 0; i < 4; i++) await post(author.browser, `  trimmed ${i}  `);
    expect((await messageRow(database.db, "trimmed 0")).body).toBe("trimmed 0");
    expect(
      await database.db.selectFrom("chat_messages").select("id").where("author_id", "=", author.id).execute(),
    ).toHaveLength(5);
  });

  it("holds bodies over 300 characters or with a link: pending, queued with reason 'auto', audited", async () => {
    const author = await member("holds");
    const cases: [string, "visible" | "pending"][] = [
      ["a".repeat(300), "visible"],
      ["b".repeat(301), "pending"],
      [`see https://example.com/x ${randomUUID()}`, "pending"],
      [`visit www.example.net ${randomUUID()}`, "pending"],
      [`plain words, no link ${randomUUID()}`, "visible"],
    ];
    for (const [body] of cases) await post(author.browser, body);
    const other = await member("holds2");
    await post(other.browser, `mention example.org ${randomUUID()}`);
    const lastHeld = await messageRow(
      database.db,
      (
        await database.db
          .selectFrom("chat_messages")
          .select("body")
          .where("author_id", "=", other.id)
          .executeTakeFirstOrThrow()
      ).body,
    );
    expect(lastHeld.status).toBe("pending");

    for (const [body, status] of cases) {
      const row = await messageRow(database.db, body);
      expect(row.status, body.slice(0, 40)).toBe(status);
      const queued = await database.db
        .selectFrom("chat_moderation_queue")
        .selectAll()
        .where("message_id", "=", row.id)
        .executeTakeFirst();
      if (status === "pending")
        expect(queued, body.slice(0, 40)).toMatchObject({ reason: "auto", decision: null, decided_by: null });
      else expect(queued, body.slice(0, 40)).toBeUndefined();
      const audit = await database.db
        .selectFrom("action_logs")
        .selectAll()
        .where("action", "=", "chat.post")
        .where(sql<boolean>`metadata->>'messageId' = ${row.id}`)
        .execute();
      expect(audit, body.slice(0, 40)).toMatchObject([
        {
          actor_id: author.id,
          resource_type: "chat_room",
          resource_id: "lobby",
          metadata: { messageId: row.id, status, ...(status === "pending" ? { reason: "auto" } : {}) },
        },
      ]);
    }

    // Visible only to its author: the author's page lists it (marked pending), a guest's and another member's do not.
    const held = await messageRow(database.db, cases[1]![0]);
    const authorPage = await (await author.browser.get("/chat?room=lobby")).text();
    expect(listedIds(authorPage)).toContain(held.id);
    expect(authorPage).toContain("pending review");
    expect(listedIds(await (await guest().get("/chat?room=lobby")).text())).not.toContain(held.id);
    expect(listedIds(await (await other.browser.get("/chat?room=lobby")).text())).not.toContain(held.id);
  });
});

describe("joining", () => {
  it("is idempotent: two visits make one membership and one chat.join row; a post into an unvisited room joins it once", async () => {
    const visitor = await member("joiner");
    for (let i = 0; i < 2; i++) expect((await visitor.browser.get("/chat?room=lobby")).status).toBe(200);
    await Promise.all([
      visitor.browser.get("/chat?room=lobby"),
      visitor.browser.get("/chat?room=lobby"),
      visitor.browser.get("/chat"),
    ]);
    const memberships = await database.db
      .selectFrom("chat_memberships")
      .selectAll()
      .where("user_id", "=", visitor.id)
      .execute();
    expect(memberships).toMatchObject([{ room_id: "lobby", role: "member" }]);
    expect((await auditOf(visitor.id)).map((row) => [row.action, row.resource_id])).toEqual([["chat.join", "lobby"]]);

    await post(visitor.browser, "first words in support", "support");
    await post(visitor.browser, "second words in support", "support");
    expect(
      (
        await database.db
          .selectFrom("chat_memberships")
          .select("room_id")
          .where("user_id", "=", visitor.id)
          .orderBy("room_id")
          .execute()
      ).map((row) => row.room_id),
    ).toEqual(["lobby", "support"]);
    expect((await auditOf(visitor.id)).map((row) => [row.action, row.resource_id])).toEqual([
      ["chat.join", "lobby"],
      ["chat.join", "support"],
      ["chat.post", "support"],
      ["chat.post", "support"],
    ]);
    // Guests read without joining anything.
    const page = await guest().get("/chat?room=demo");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("to post. Guests can read");
  });
});

describe("history", () => {
  it("shows the newest 50 and pages back with 'Load older messages' without gaps or overlap, as each viewer may see", async () => {
    const author = await member("history");
    const reader = await member("reader");
    // 130 messages in "demo" straight into the table (the read path is what is tested), some held, some removed.
    const values = Array.from({ length: 130 }, (_, i) => ({
      room_id: "demo",
      author_id: author.id,
      author_name: author.username,
      body: `history ${i}`,
      status: i % 17 === 5 ? "pending" : i % 23 === 7 ? "removed" : "visible",
    })) as {
      room_id: string;
      author_id: string;
      author_name: string;
      body: string;
      status: "visible" | "pending" | "removed";
    }[];
    await database.db.insertInto("chat_messages").values(values).execute();
    const rows = await database.db
      .selectFrom("chat_messages")
      .select(["id", "status", "author_id"])
      .where("room_id", "=", "demo")
      .orderBy("id")
      .execute();
    const visibleTo = (viewerId: string | null) =>
      rows
        .filter((row) => row.status === "visible" || (row.status === "pending" && row.author_id === viewerId))
        .map((row) => row.id);

    for (const [name, browser, viewerId] of [
      ["guest", guest(), null],
      ["another member", reader.browser, reader.id],
      ["the author", author.browser, author.id],
    ] as const) {
      const pages: string[][] = [];
      let href: string | undefined = "/chat?room=demo";
      while (href) {
        const response = await browser.get(href);
        expect(response.status, `${name} ${href}`).toBe(200);
        const html = await response.text();
        pages.push(listedIds(html));
        href = olderLink(html);
        if (href) expect(href, name).toBe(`/chat?room=demo&before=${pages.at(-1)![0]}`);
        expect(pages.length, `${name}: too many pages`).toBeLessThan(10);
      }
      const expected = visibleTo(viewerId);
      expect(pages[0], `${name}: the first page is the newest 50, oldest first`).toEqual(expected.slice(-50));
      expect(
        pages.every((page, i) => page.length === (i === pages.length - 1 ? expected.length - 50 * i : 50)),
        `${name}: page sizes ${pages.map((p) => p.length)}`,
      ).toBe(true);
      expect(pages.slice().reverse().flat(), `${name}: all pages together, without gaps or overlap`).toEqual(expected);
    }
  });
});

describe("moderation", () => {
  it("is 403 for members, sends guests to /login, and lists held messages for moderators", async () => {
    const plain = await member("notmod");
    const page = await plain.browser.get("/chat/moderation");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Your account may not do this.");
    const held = uniqueBody("held for the queue: https://example.com");
    await post(plain.browser, held);
    const row = await messageRow(database.db, held);
    const forbidden = await plain.browser.post("/chat/moderation", { decision: "approved", messageId: row.id });
    expect(forbidden.status).toBe(403);
    expect((await messageRow(database.db, held)).status).toBe("pending");

    const visitor = guest();
    const redirect = await visitor.get("/chat/moderation");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/login?next=%2Fchat%2Fmoderation");
    const guestPost = await visitor.post("/chat/moderation", { decision: "approved", messageId: row.id });
    expect([302, 303]).toContain(guestPost.status);
    expect(guestPost.headers.get("location")).toMatch(/^\/login\?next=%2Fchat%2Fmoderation/);
    expect((await messageRow(database.db, held)).status).toBe("pending");

    const mod = await moderator("lister");
    const queue = await mod.browser.get("/chat/moderation");
    expect(queue.status).toBe(200);
    expect(await queue.text()).toContain(held);
    expect((await boss.browser.get("/chat/moderation")).status, "admins moderate too").toBe(200);
  });

  it("answers a second decision with 409 and the message (not 500), also when two moderators race; every decision is audited", async () => {
    const [first, second] = await Promise.all([moderator("first"), moderator("second")]);
    const author = await member("decided");
    const bodies = [
      uniqueBody("approve me https://a.example.com"),
      uniqueBody("remove me https://b.example.com"),
      uniqueBody("race me https://c.example.com"),
    ];
    for (const body of bodies) await post(author.browser, body);
    const [toApprove, toRemove, toRace] = await Promise.all(bodies.map((body) => messageRow(database.db, body)));

    const approved = await decide(first.browser, toApprove!.id, "approved");
    expect(approved.status).toBe(303);
    expect(approved.headers.get("location")).toBe("/chat/moderation?done=approved");
    const late = await decide(second.browser, toApprove!.id, "removed");
    expect(late.status).toBe(409);
    expect(await late.text()).toContain(DECIDED_MESSAGE);
    expect((await messageRow(database.db, bodies[0]!)).status).toBe("visible");

    expect((await decide(second.browser, toRemove!.id, "removed")).status).toBe(303);
    const again = await decide(second.browser, toRemove!.id, "removed");
    expect(again.status).toBe(409);
    expect(await again.text()).toContain(DECIDED_MESSAGE);
    expect((await messageRow(database.db, bodies[1]!)).status).toBe("removed");

    const race = await Promise.all([
      decide(first.browser, toRace!.id, "approved"),
      decide(second.browser, toRace!.id, "removed"),
    ]);
    expect(race.map((response) => response.status).sort()).toEqual([303, 409]);
    const queueRow = await database.db
      .selectFrom("chat_moderation_queue")
      .selectAll()
      .where("message_id", "=", toRace!.id)
      .executeTakeFirstOrThrow();
    const winner = race[0]!.status === 303 ? first : second;
    expect(queueRow.decided_by).toBe(winner.id);
    expect((await messageRow(database.db, bodies[2]!)).status).toBe(race[0]!.status === 303 ? "visible" : "removed");

    const missing = await decide(first.browser, "987654321", "approved");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("There is no such message.");

    const decisions = await database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("action", "in", ["chat.approve", "chat.remove"])
      .where("actor_id", "in", [first.id, second.id])
      .orderBy("id")
      .execute();
    expect(
      decisions.map((row) => [row.action, row.actor_id, (row.metadata as { messageId?: string }).messageId]),
    ).toEqual([
      ["chat.approve", first.id, toApprove!.id],
      ["chat.remove", second.id, toRemove!.id],
      [race[0]!.status === 303 ? "chat.approve" : "chat.remove", winner.id, toRace!.id],
    ]);
    expect(
      decisions.every(
        (row) =>
          row.resource_type === "chat_room" &&
          row.resource_id === "lobby" &&
          (row.metadata as { author?: string }).author === author.username,
      ),
    ).toBe(true);
  });
});

describe("guests and the demo bot", () => {
  it("let guests ask the bot (rate limited, with Retry-After) but not post", async () => {
    const visitor = guest();
    const asked = await visitor.post("/chat?room=support", { intent: "bot" });
    expect(asked.status).toBe(303);
    expect(asked.headers.get("location")).toBe("/chat?room=support&done=bot");
    const bot = await database.db
      .selectFrom("chat_messages")
      .selectAll()
      .where("room_id", "=", "support")
      .where("author_id", "is", null)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(bot).toMatchObject({ author_name: "demo bot", status: "visible" });
    expect(
      await database.db
        .selectFrom("action_logs")
        .selectAll()
        .where("action", "=", "chat.bot")
        .where(sql<boolean>`metadata->>'messageId' = ${bot.id}`)
        .execute(),
    ).toHaveLength(1);
    const busy = await visitor.post("/chat?room=support", { intent: "bot" });
    expect(busy.status).toBe(429);
    expect(await busy.text()).toContain("The demo bot needs a short break.");
    expect(busy.headers.get("retry-after")).toMatch(/^\d+$/);

    const refused = await visitor.post("/chat?room=support", { intent: "post", body: "a guest's words" });
    expect([302, 303]).toContain(refused.status);
    expect(refused.headers.get("location")).toMatch(/^\/login\?next=/);
    expect(
      await database.db.selectFrom("chat_messages").select("id").where("body", "=", "a guest's words").execute(),
    ).toEqual([]);
  });
});

describe("the event stream's HTTP", () => {
  it("answers text/event-stream, X-Accel-Buffering: no, no-cache, and never compresses, even when gzip is accepted", async () => {
    const stream = opened(await openChatStream(server.url, { headers: { "accept-encoding": "gzip, deflate, br" } }));
    try {
      expect(stream.headers["content-type"]).toMatch(/^text\/event-stream(;|$)/);
      expect(stream.headers["x-accel-buffering"]).toBe("no");
      expect(stream.headers["cache-control"]).toBe("no-cache");
      expect(stream.headers["content-encoding"]).toBeUndefined();
      // Frames arrive as plain text one by one (compression would hold them back).
      const body = uniqueBody("uncompressed");
      await post((await member("stream")).browser, body);
      await waitForBody(stream, body, 5_000);
    } finally {
      stream.close();
    }
    // A control: the same server compresses a page when asked.
    const page = await fetch(new URL("/chat", server.url), { headers: { "accept-encoding": "gzip" } });
    expect(page.headers.get("content-encoding")).toBe("gzip");
  });
});

describe("hostile input", () => {
  const FORM = "application/x-www-form-urlencoded";
  const MB = "x".repeat(1024 * 1024);
  const BIG = "9999999999999999999"; // a well-formed id (19 digits) beyond bigint

  interface Attempt {
    readonly name: string;
    readonly status: number;
    readonly body: string;
    readonly requestId: string | null;
  }
  const attempts: Attempt[] = [];
  async function attempt(
    name: string,
    browser: Browser,
    path: string,
    init: { method?: string; body?: string; type?: string | null; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined && init.type !== null) headers["content-type"] = init.type ?? FORM;
    const response = await browser.send(path, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      body: init.body,
      headers,
    });
    // An event stream stays open: the status and headers are the answer.
    const body = response.headers.get("content-type")?.startsWith("text/event-stream")
      ? await firstChunk(response)
      : await response.text();
    attempts.push({
      name,
      status: response.status,
      body: body.slice(0, 300),
      requestId: response.headers.get("x-request-id"),
    });
    return response;
  }
  async function firstChunk(response: Response): Promise<string> {
    const reader = response.body!.getReader();
    const timer = setTimeout(() => void reader.cancel(), 100);
    let text = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        if (text.includes("\n\n")) break;
      }
    } catch {
      // cancelled: nothing more arrived
    } finally {
      clearTimeout(timer);
      await reader.cancel().catch(() => undefined);
    }
    return text;
  }

  it("never answers 5xx on /chat, /chat/moderation or /events", async () => {
    // Each body that passes validation goes to a member of its own, so the rate limit cannot mask what the database says.
    const [mod, someone, ...posters] = await Promise.all([
      moderator("hostilemod"),
      member("hostile"),
      ...Array.from({ length: 8 }, () => member("hostilepost")),
    ]);
    const fresh = async () => posters.pop()!;
    const postBodies: Record<string, string> = {
      NUL: "abc\u0000def",
      "only NUL": "\u0000",
      "lone surrogate": "\uD800x\uDFFF",
      "control chars": "\u0001\u0002\u001b[31m",
      sql: "'); DROP TABLE chat_messages; --",
      html: "<script>alert(1)</script>",
      "1000 emoji": "😀".repeat(1000),
    };
    for (const [name, body] of Object.entries(postBodies)) {
      await attempt(`/chat post body: ${name}`, (await fresh()).browser, "/chat?room=lobby", {
        body: formBody({ intent: "post", body }),
      });
    }
    await attempt("/chat post: raw %00 body", (await fresh()).browser, "/chat?room=lobby", {
      body: "intent=post&body=%00%00",
    });
    const m = someone.browser;
    await attempt("/chat post: 1 MB body", m, "/chat?room=lobby", { body: formBody({ intent: "post", body: MB }) });
    await attempt("/chat post: JSON body", m, "/chat?room=lobby", {
      body: JSON.stringify({ intent: "post", body: "json" }),
      type: "application/json",
    });
    await attempt("/chat post: JSON claimed as a form", m, "/chat?room=lobby", {
      body: JSON.stringify({ intent: "post", body: "json" }),
    });
    await attempt("/chat post: no body", m, "/chat?room=lobby", { method: "POST", type: null });
    await attempt("/chat post: binary", m, "/chat?room=lobby", {
      body: randomBytes(2048).toString("latin1"),
      type: "application/octet-stream",
    });
    await attempt("/chat post: multipart without boundary", m, "/chat?room=lobby", {
      body: "--x\r\n",
      type: "multipart/form-data",
    });
    await attempt("/chat post: repeated fields", m, "/chat?room=lobby", {
      body: "intent=post&intent=bot&body=a&body=b",
    });
    await attempt("/chat post: unknown intent", m, "/chat?room=lobby", {
      body: formBody({ intent: "__proto__", body: "x" }),
    });
    for (const room of ["nowhere", "%00", "..%2F..%2Fetc", "lobby&room=demo", "LOBBY", "a".repeat(5000)]) {
      await attempt(`/chat post: room=${room.slice(0, 20)}`, m, `/chat?room=${room}`, {
        body: formBody({ intent: "bot" }),
      });
    }
    for (const before of ["abc", "-1", "0", "1.5", "%00", BIG, "99999999999999999999999", "1e10", "0x10"]) {
      await attempt(`/chat get: before=${before}`, m, `/chat?room=lobby&before=${before}`);
    }
    await attempt("/chat get: room=%00", guest(), "/chat?room=%00");
    await attempt("/chat get: huge query", guest(), `/chat?room=${"x".repeat(6000)}`);

    const d = mod.browser;
    for (const messageId of [
      "",
      "0",
      "-1",
      "abc",
      "%00",
      "1 OR 1=1",
      BIG,
      "99999999999999999999999",
      "\u0000",
      "1".repeat(5000),
    ]) {
      await attempt(`/chat/moderation decide: messageId=${messageId.slice(0, 20)}`, d, "/chat/moderation", {
        body: formBody({ decision: "approved", messageId }),
      });
    }
    for (const decision of ["", "approve", "APPROVED", "removed ", "__proto__", "\u0000"]) {
      await attempt(`/chat/moderation decide: decision=${decision}`, d, "/chat/moderation", {
        body: formBody({ decision, messageId: "1" }),
      });
    }
    await attempt("/chat/moderation: 1 MB body", d, "/chat/moderation", {
      body: formBody({ decision: "approved", messageId: MB }),
    });
    await attempt("/chat/moderation: JSON body", d, "/chat/moderation", {
      body: JSON.stringify({ decision: "approved", messageId: "1" }),
      type: "application/json",
    });
    await attempt("/chat/moderation: no body", d, "/chat/moderation", { method: "POST", type: null });
    for (const after of ["abc", "-1", "%00", BIG, "99999999999999999999999"]) {
      await attempt(`/chat/moderation get: after=${after}`, d, `/chat/moderation?after=${after}`);
    }

    const g = guest();
    const tab = randomUUID();
    for (const query of [
      "",
      "tab=not-a-uuid",
      `tab=${tab}&room=nowhere`,
      `tab=${tab}&room=%00`,
      `tab=%00`,
      `tab=${tab}&after=abc`,
      `tab=${tab}&after=-5`,
      `tab=${tab}&after=${BIG}`,
      `tab=${tab}&after=${"9".repeat(5000)}`,
      `tab=${tab}&tab=${randomUUID()}`,
      `tab=${"a".repeat(10_000)}`,
    ]) {
      await attempt(`/events ?${query.slice(0, 60)}`, g, `/events?${query}`);
    }
    for (const lastEventId of ["abc", "-1", "0", BIG, "9".repeat(10_000), "1, 2", "   ", "%00"]) {
      await attempt(`/events Last-Event-ID: ${lastEventId.slice(0, 20)}`, g, `/events?tab=${randomUUID()}`, {
        headers: { "last-event-id": lastEventId },
      });
    }
    await attempt("/events POST", g, `/events?tab=${randomUUID()}`, { body: formBody({ x: "y" }) });
    await attempt("/events signed in, Last-Event-ID beyond bigint", m, `/events?tab=${randomUUID()}`, {
      headers: { "last-event-id": BIG },
    });

    // Each 5xx with the error its request logged.
    const cause = (requestId: string | null) =>
      server
        .logs()
        .filter((line) => line.requestId === requestId && line.err)
        .map((line) => (line.err as { message?: string }).message?.split("\n")[0])
        .join("; ");
    const failures = attempts.filter((one) => one.status >= 500);
    expect(
      failures.map((one) => `${one.name} → ${one.status} (${cause(one.requestId)})`),
      `of ${attempts.length} hostile requests`,
    ).toEqual([]);
    // The stream's own answers to bad queries: 400 with the catalogue's JSON.
    const badTab = attempts.find((one) => one.name === "/events ?tab=not-a-uuid");
    expect(badTab?.status).toBe(400);
    expect(JSON.parse(badTab?.body ?? "{}")).toEqual({
      status: 400,
      code: "stream:invalid_request",
      message: "Open the stream as /events?tab=<uuid>&room=<room>.",
    });
    expect(await database.db.selectFrom("chat_messages").select("id").where("body", "=", "").execute()).toEqual([]);
  }, 60_000);

  it("a huge but well-formed Last-Event-ID still gives a working stream (no replay failure)", async () => {
    const stream = opened(await openChatStream(server.url, { headers: { "last-event-id": BIG } }));
    try {
      const body = uniqueBody("after a huge Last-Event-ID");
      await post((await member("bigid")).browser, body);
      await waitForBody(stream, body, 5_000);
      // A failed replay would have closed the stream before the message could arrive.
      expect(
        stream.frames.filter((frame) => frame.event === "closed"),
        "the stream was closed on its own",
      ).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

describe("stream cleanup under churn and forced GC", () => {
  it("leaves no stream, index entry, close listener or timer and no uncaught exception after 1,000 connect/disconnect cycles (child process with --expose-gc)", async () => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "tests/support/sse-churn.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: database.url,
        CYCLES: "1000",
        CONCURRENCY: "10",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const line = stdout.split("\n").find((one) => one.startsWith("RESULT "));
    expect(
      line,
      `no result from the churn script (exit ${code}):\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`,
    ).toBeDefined();
    const result = JSON.parse(line!.slice("RESULT ".length)) as {
      gcExposed: boolean;
      cycles: number;
      byMode: Record<string, { cycles: number; frames: number; statuses: Record<string, number> }>;
      churnMs: number;
      framesReceived: number;
      maxOpen: number;
      posted: number;
      postFailures: number;
      notified: number;
      openRightAfter: number;
      openStreams: number;
      streamIndexes: Record<string, number>;
      timeoutsBaseline: number;
      timeoutsAfter: number;
      pendingTimersBaseline: number;
      pendingTimersAfter: number;
      pendingTimerKinds: string[];
      heapGrowthMb: number;
      uncaught: string[];
    };
    console.info(`sse churn: ${JSON.stringify({ ...result, byMode: undefined, pendingTimerKinds: undefined })}`);
    expect(result.gcExposed).toBe(true);
    expect(result.cycles).toBe(1000);
    expect(result.uncaught, "no send on a closed stream may throw").toEqual([]);
    expect(code).toBe(0);
    // The churn did what it says: streams were open at once, frames arrived, sends raced disconnects.
    expect(result.maxOpen).toBeGreaterThan(1);
    expect(result.byMode["after-first-frame"]?.frames).toBeGreaterThan(100);
    expect(result.posted).toBeGreaterThanOrEqual(5);
    expect(result.postFailures).toBe(0);
    expect(result.notified).toBeGreaterThan(10);
    // Nothing left behind.
    expect(result.openStreams).toBe(0);
    expect(result.streamIndexes).toEqual({
      streams: 0,
      tabKeys: 0,
      roomMembers: 0,
      closingStreams: 0,
      labTabs: 0,
      labVisitors: 0,
      remoteLabTabs: 0,
      remoteLabVisitors: 0,
      localLabTabs: 0,
      relayPending: 0,
      actionLogStreams: 0,
      actionLogMembers: 0,
      actionLogClosing: 0,
      quotaVisitors: 0,
      quotaAddresses: 0,
      closeListeners: 0,
    });
    expect(result.timeoutsAfter).toBeLessThanOrEqual(result.timeoutsBaseline + 2);
    // The baseline holds the hub's heartbeat and a few of Node's and Express's own (the Date header cache comes and goes).
    expect(result.pendingTimersAfter, result.pendingTimerKinds.join("\n")).toBeLessThanOrEqual(
      result.pendingTimersBaseline + 2,
    );
    expect(result.heapGrowthMb).toBeLessThan(50);
  }, 120_000);
});
