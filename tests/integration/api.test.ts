import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionLogView } from "#app/models/action-log.ts";
import type { ActionLogPage } from "#app/services/action-logs.server.ts";
import type { ChatMessageView } from "#app/models/chat.ts";
import { expectProblem, getJson, okJson, postJson } from "../support/api.ts";
import { createBrowser } from "../support/browser.ts";
import { post, registerMember, uniqueBody, type Member } from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * The JSON API `/api/v0` over HTTP against the production build: errors as catalogue problems,
 * chat messages (paging, visibility, posting rules), action logs (paging while rows arrive,
 * filters, who sees what), and the OpenAPI document it serves.
 */
const ADMIN_EMAIL = "api-boss@example.com";

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
  boss = await registerMember(database.db, server.url, "apiboss", ADMIN_EMAIL);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const guest = () => createBrowser(server.url);
const member = (prefix = "api") => registerMember(database.db, server.url, prefix);
type MessagePage = { messages: ChatMessageView[]; nextCursor: string | null };

/** Every page of a listing, following nextCursor; `between` runs after each page (rows arriving mid-walk). */
async function walk<Item extends { id: string }>(
  fetchPage: (before: string | undefined) => Promise<{ items: Item[]; nextCursor: string | null }>,
  between?: () => Promise<void>,
): Promise<Item[]> {
  const all: Item[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fetchPage(before);
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    expect(page.nextCursor).toBe(page.items.at(-1)?.id);
    before = page.nextCursor;
    await between?.();
  }
  throw new Error("the walk did not end");
}

const strictlyDescending = (ids: readonly string[]) =>
  ids.every((id, index) => index === 0 || BigInt(id) < BigInt(ids[index - 1]!));

describe("/api/v0/me and /api/v0/chat/rooms", () => {
  it("answers guests 401 auth:unauthenticated and members their account", async () => {
    await expectProblem(await getJson(guest(), "/api/v0/me"), 401, "auth:unauthenticated");
    const ada = await member("me");
    expect(await okJson(await getJson(ada.browser, "/api/v0/me"))).toEqual({
      id: ada.id,
      username: ada.username,
      email: ada.email,
      role: "member",
    });
  });

  it("lists the rooms", async () => {
    expect(await okJson(await getJson(guest(), "/api/v0/chat/rooms"))).toEqual({
      rooms: [
        { id: "lobby", name: "Lobby" },
        { id: "demo", name: "Demo" },
        { id: "support", name: "Support" },
      ],
    });
  });
});

describe("chat messages", () => {
  it("pages newest first through every message exactly once, while new messages arrive", async () => {
    const writer = await member("pager");
    const other = await member("pager2");
    const late = await member("pager3");
    for (let i = 0; i < 5; i++) await post(writer.browser, uniqueBody("page seed"), "support");
    for (let i = 0; i < 5; i++) await post(other.browser, uniqueBody("page seed"), "support");
    const before = (
      await okJson<MessagePage>(await getJson(guest(), "/api/v0/chat/rooms/support/messages?limit=100"))
    ).messages.map((m) => m.id);
    expect(before.length).toBeGreaterThanOrEqual(10);
    let arrivals = 0;
    const walked = await walk(
      async (cursor) => {
        const page = await okJson<MessagePage>(
          await getJson(guest(), `/api/v0/chat/rooms/support/messages?limit=3${cursor ? `&before=${cursor}` : ""}`),
        );
        expect(page.messages.length).toBeLessThanOrEqual(3);
        return { items: page.messages, nextCursor: page.nextCursor };
      },
      async () => {
        arrivals += 1;
        if (arrivals <= 3) await post(late.browser, uniqueBody("mid-walk"), "support");
      },
    );
    const ids = walked.map((m) => m.id);
    expect(arrivals).toBeGreaterThanOrEqual(3);
    expect(strictlyDescending(ids)).toBe(true);
    expect(ids).toEqual(before);
  });

  it("shows a held message to its author only, and answers unknown rooms and bad parameters with problems", async () => {
    const author = await member("held");
    const reader = await member("reader");
    const held = await okJson<ChatMessageView>(
      await postJson(author.browser, "/api/v0/chat/rooms/demo/messages", {
        body: `see https://example.com ${uniqueBody("held")}`,
      }),
      201,
    );
    expect(held).toMatchObject({ status: "pending", mine: true, roomId: "demo" });
    const idsFor = async (browser: Member["browser"]) =>
      (await okJson<MessagePage>(await getJson(browser, "/api/v0/chat/rooms/demo/messages"))).messages.map((m) => m.id);
    expect(await idsFor(author.browser)).toContain(held.id);
    expect(await idsFor(reader.browser)).not.toContain(held.id);
    expect(await idsFor(guest())).not.toContain(held.id);

    await expectProblem(await getJson(guest(), "/api/v0/chat/rooms/attic/messages"), 404, "chat:room_not_found");
    const badLimit = await expectProblem(
      await getJson(guest(), "/api/v0/chat/rooms/demo/messages?limit=101"),
      400,
      "api:invalid_parameters",
    );
    expect(badLimit.message).toContain("limit");
    expect(
      (
        await expectProblem(
          await getJson(guest(), "/api/v0/chat/rooms/demo/messages?before=abc"),
          400,
          "api:invalid_parameters",
        )
      ).message,
    ).toContain("before");
    expect(
      (
        await expectProblem(
          await getJson(guest(), "/api/v0/chat/rooms/demo/messages?limt=5"),
          400,
          "api:invalid_parameters",
        )
      ).message,
    ).toContain("limt");
    expect(
      (
        await expectProblem(
          await getJson(guest(), "/api/v0/chat/rooms/demo/messages?limit=2&limit=3"),
          400,
          "api:invalid_parameters",
        )
      ).message,
    ).toContain("limit");
  });

  it("posts with the page's rules: 401 for guests, 415, 400, 422 naming the field, 201, then 429 with Retry-After", async () => {
    const path = "/api/v0/chat/rooms/lobby/messages";
    await expectProblem(await postJson(guest(), path, { body: "hello" }), 401, "auth:unauthenticated");
    const ada = await member("poster");
    await expectProblem(
      await ada.browser.send(path, {
        method: "POST",
        body: "body=hi",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "api:unsupported_media_type",
    );
    await expectProblem(await postJson(ada.browser, path, "{not json"), 400, "api:malformed_json");
    expect(
      (await expectProblem(await postJson(ada.browser, path, { body: "   " }), 422, "api:invalid_body")).message,
    ).toContain("body: Write a message");
    expect(
      (await expectProblem(await postJson(ada.browser, path, { body: "x".repeat(1001) }), 422, "api:invalid_body"))
        .message,
    ).toContain("body");
    expect(
      (await expectProblem(await postJson(ada.browser, path, { body: "hi", extra: 1 }), 422, "api:invalid_body"))
        .message,
    ).toContain("extra");
    expect((await expectProblem(await postJson(ada.browser, path, [1, 2]), 422, "api:invalid_body")).message).toContain(
      "(the whole value)",
    );
    await expectProblem(
      await postJson(ada.browser, "/api/v0/chat/rooms/attic/messages", { body: "hi" }),
      404,
      "chat:room_not_found",
    );
    await expectProblem(
      await ada.browser.send(path, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } }),
      405,
      "api:method_not_allowed",
    );

    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = uniqueBody("api post");
      bodies.push(body);
      expect(
        await okJson<ChatMessageView>(await postJson(ada.browser, path, { body: `  ${body}  ` }), 201),
      ).toMatchObject({ body, status: "visible", mine: true, authorName: ada.username });
    }
    const sixth = await postJson(ada.browser, path, { body: "one too many" });
    await expectProblem(sixth, 429, "chat:rate_limited");
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    const stored = await database.db
      .selectFrom("chat_messages")
      .select("body")
      .where("author_id", "=", ada.id)
      .orderBy("id")
      .execute();
    expect(stored.map((row) => row.body)).toEqual(bodies);
  });
});

describe("action logs", () => {
  type Entry = ActionLogView;
  const list = async (browser: Member["browser"], query = "") =>
    okJson<ActionLogPage>(await getJson(browser, `/api/v0/action-logs${query}`));
  const walkAll = (browser: Member["browser"], query: string, between?: () => Promise<void>) =>
    walk<Entry>(async (cursor) => {
      const page = await list(browser, `?${query}${cursor ? `&before=${cursor}` : ""}`);
      return { items: page.entries, nextCursor: page.nextCursor };
    }, between);

  it("answers guests 401 and members only their own actions; admins see everyone's", async () => {
    await expectProblem(await getJson(guest(), "/api/v0/action-logs"), 401, "auth:unauthenticated");
    const ada = await member("own");
    const bob = await member("other");
    await post(ada.browser, uniqueBody("ada's"));
    await post(bob.browser, uniqueBody("bob's"));
    const adas = await walkAll(ada.browser, "limit=2");
    // Signing up is registering, then confirming the address through the mailed link.
    expect(adas.map((entry) => entry.action).sort()).toEqual([
      "auth.email_verified",
      "auth.register",
      "chat.join",
      "chat.post",
    ]);
    expect(adas.every((entry) => entry.actor?.id === ada.id && entry.actor.username === ada.username)).toBe(true);
    // A member naming someone else as the actor still sees only their own (here: nothing).
    expect((await list(ada.browser, `?actor=${bob.id}`)).entries).toEqual([]);
    const everyone = await walkAll(boss.browser, "limit=100");
    const actors = new Set(everyone.map((entry) => entry.actor?.id));
    expect(actors.has(ada.id) && actors.has(bob.id) && actors.has(boss.id)).toBe(true);
    const post_ = adas.find((entry) => entry.action === "chat.post");
    expect(post_).toMatchObject({ resource: { type: "chat_room", id: "lobby" }, metadata: { status: "visible" } });
    expect(adas.find((entry) => entry.action === "auth.register")).toMatchObject({
      ip: ada.browser.ip,
      userAgent: ada.browser.userAgent,
      resource: null,
    });
  });

  it("walks every entry exactly once, newest first, while new entries arrive", async () => {
    const busy = await member("busy");
    for (let i = 0; i < 4; i++) await post(busy.browser, uniqueBody("seed"), "demo");
    const snapshot = (await walkAll(boss.browser, "limit=100")).map((entry) => entry.id);
    let arrivals = 0;
    const walked = await walkAll(boss.browser, "limit=4", async () => {
      arrivals += 1;
      if (arrivals <= 4) await post(busy.browser, uniqueBody("arriving"), "support");
    });
    expect(arrivals).toBeGreaterThanOrEqual(4);
    const ids = walked.map((entry) => entry.id);
    expect(strictlyDescending(ids)).toBe(true);
    expect(ids).toEqual(snapshot);
  });

  it("filters by action, actor, resource and time range, combined", async () => {
    const carol = await member("filters");
    await post(carol.browser, uniqueBody("in lobby"), "lobby");
    await post(carol.browser, uniqueBody("in support"), "support");
    const mine = await walkAll(boss.browser, `actor=${carol.id}&limit=100`);
    expect(mine.map((entry) => entry.action).sort()).toEqual([
      "auth.email_verified",
      "auth.register",
      "chat.join",
      "chat.join",
      "chat.post",
      "chat.post",
    ]);
    const posts = await walkAll(boss.browser, `actor=${carol.id}&action=chat.post`);
    expect(posts.map((entry) => entry.resource?.id)).toEqual(["support", "lobby"]);
    const supportOnly = await walkAll(boss.browser, `actor=${carol.id}&resourceType=chat_room&resourceId=support`);
    expect(supportOnly.map((entry) => entry.action).sort()).toEqual(["chat.join", "chat.post"]);
    const everyRegister = await walkAll(boss.browser, "action=auth.register&limit=100");
    expect(everyRegister.every((entry) => entry.action === "auth.register")).toBe(true);
    expect(everyRegister.some((entry) => entry.actor?.id === carol.id)).toBe(true);

    // The time range: [from, to) around carol's second post only.
    const second = posts[0]!;
    const at = new Date(second.occurredAt).getTime();
    const range = (from: number, to: number) =>
      `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
    expect(
      (await walkAll(boss.browser, `actor=${carol.id}&action=chat.post&${range(at, at + 1)}`)).map((e) => e.id),
    ).toEqual([second.id]);
    expect(await walkAll(boss.browser, `actor=${carol.id}&action=chat.post&${range(at - 1, at)}`)).not.toContainEqual(
      expect.objectContaining({ id: second.id }),
    );

    const problem = async (query: string, field: string) =>
      expect(
        (
          await expectProblem(
            await getJson(boss.browser, `/api/v0/action-logs?${query}`),
            400,
            "api:invalid_parameters",
          )
        ).message,
      ).toContain(field);
    await problem("action=chat.dance", "action");
    await problem("actor=not-a-uuid", "actor");
    await problem("resourceType=planet", "resourceType");
    await problem("from=yesterday", "from");
    await problem(range(at, at - 1000), "from");
    await problem("limit=0", "limit");
    await problem("before=-1", "before");
  });
});

describe("hostile input", () => {
  it("gets a catalogue problem (4xx), never a 5xx, from every endpoint", async () => {
    const mallory = await member("mallory");
    const queries = [
      "before=99999999999999999999",
      "before=0",
      "before=1e3",
      "limit=1e3",
      "limit=NaN",
      "limit=-1",
      "before=%00",
      "resourceId=%00",
      "limit=%E0%A4%A",
      "__proto__=1",
      "before[]=1",
    ];
    const answers: [string, Response][] = [];
    for (const query of queries) {
      answers.push([`messages ${query}`, await getJson(guest(), `/api/v0/chat/rooms/lobby/messages?${query}`)]);
      answers.push([`action-logs ${query}`, await getJson(mallory.browser, `/api/v0/action-logs?${query}`)]);
    }
    for (const path of [
      "/api/v0/chat/rooms/%00/messages",
      "/api/v0/chat/rooms/__proto__/messages",
      "/api/v0/chat/rooms/constructor/messages",
    ])
      answers.push([path, await getJson(guest(), path)]);
    const bodies = [
      "",
      "null",
      "1",
      '"text"',
      '{"body":null}',
      '{"body":["a"]}',
      '{"__proto__":{"body":"x"}}',
      '{"body":"\u0000"}',
      "[".repeat(5000),
      '{"body":"a"',
    ];
    for (const body of bodies)
      answers.push([
        `POST ${body.slice(0, 30)}`,
        await postJson(mallory.browser, "/api/v0/chat/rooms/lobby/messages", body),
      ]);
    for (const method of ["DELETE", "PATCH"])
      answers.push([
        method,
        await mallory.browser.send("/api/v0/chat/rooms/lobby/messages", {
          method,
          body: "{}",
          headers: { "content-type": "application/json" },
        }),
      ]);
    for (const [name, response] of answers) {
      const text = await response.text();
      expect(response.status, `${name}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${name}: ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(JSON.parse(text), name).toMatchObject({
        status: response.status,
        code: expect.stringMatching(/^[a-z]+:[a-z_]+$/),
      });
    }
  });
});

describe("/api/v0/openapi.json", () => {
  it("serves the generated document", async () => {
    const response = await getJson(guest(), "/api/v0/openapi.json");
    const document = await okJson<{ openapi: string; paths: Record<string, unknown> }>(response);
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/api/v0/action-logs/stream");
  });
});
