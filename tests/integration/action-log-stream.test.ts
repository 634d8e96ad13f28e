import { beforeAll, describe, expect, it } from "vitest";
import type { ActionLogView } from "#app/models/action-log.ts";
import { expectProblem } from "../support/api.ts";
import { createBrowser, type Browser } from "../support/browser.ts";
import { post, registerMember, signInElsewhere, uniqueBody, type Member } from "../support/chat.ts";
import { twoInstancesOnOneDatabase } from "../support/two-instances.ts";
import { openSse, type SseEvent, type SseStream } from "../support/sse-client.ts";

/**
 * `GET /api/v0/action-logs/stream` across two app instances on one database: an action done on
 * one instance reaches the streams on both, each viewer sees what the listing would show them, and
 * a reconnect with Last-Event-ID (or ?after=) gets exactly what it missed.
 */
const ADMIN_EMAIL = "stream-boss@example.com";
const cluster = twoInstancesOnOneDatabase({ ADMIN_EMAILS: ADMIN_EMAIL });

async function open(
  url: string,
  browser: Browser | undefined,
  options: { lastEventId?: string; query?: string } = {},
): Promise<SseStream> {
  const headers: Record<string, string> = {};
  if (browser?.cookie) headers.cookie = browser.cookie;
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  const stream = await openSse(new URL(`/api/v0/action-logs/stream${options.query ?? ""}`, url), { headers });
  cluster.streams.push(stream);
  return stream;
}

async function opened(
  url: string,
  browser: Browser,
  options?: { lastEventId?: string; query?: string },
): Promise<SseStream> {
  const stream = await open(url, browser, options);
  expect(stream.status, stream.text()).toBe(200);
  expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
  return stream;
}

const entries = (frames: readonly SseEvent[]) =>
  frames
    .filter((frame) => frame.event === "action")
    .map((frame) => ({ sseId: frame.id, ...(JSON.parse(frame.data) as ActionLogView) }));
const postedBody = (entry: ActionLogView) => entry.action === "chat.post" && entry.metadata.messageId;
/** Waits for the chat.post entry of the message whose body is `body`. */
async function waitForPost(stream: SseStream, messageId: string) {
  await stream.waitFor(
    (frames) => entries(frames).some((entry) => postedBody(entry) === messageId),
    10_000,
    `the chat.post entry of message ${messageId}`,
  );
}
const messageIdOf = async (body: string) =>
  (
    await cluster.database.db
      .selectFrom("chat_messages")
      .select("id")
      .where("body", "=", body)
      .executeTakeFirstOrThrow()
  ).id;

describe("the action-log stream", () => {
  let boss: Member;
  let ada: Member;
  let bob: Member;
  let adaOnB: Browser;

  beforeAll(async () => {
    [boss, ada, bob] = await Promise.all([
      registerMember(cluster.database.db, cluster.a.url, "sboss", ADMIN_EMAIL),
      registerMember(cluster.database.db, cluster.a.url, "sada"),
      registerMember(cluster.database.db, cluster.a.url, "sbob"),
    ]);
    adaOnB = await signInElsewhere(ada, cluster.b.url);
  });

  it("refuses guests with 401 and a malformed Last-Event-ID or parameter with 400, as problems", async () => {
    const guest = await open(cluster.a.url, undefined);
    await guest.done;
    expect(guest.status).toBe(401);
    expect(JSON.parse(guest.text())).toMatchObject({ status: 401, code: "auth:unauthenticated" });
    await expectProblem(
      await adaOnB.get("/api/v0/action-logs/stream", { "last-event-id": "drop table" }),
      400,
      "api:invalid_parameters",
    );
    await expectProblem(await adaOnB.get("/api/v0/action-logs/stream?after=0"), 400, "api:invalid_parameters");
    await expectProblem(await adaOnB.get("/api/v0/action-logs/stream?room=lobby"), 400, "api:invalid_parameters");
  });

  it("delivers an action done on A to the streams on A and B that may see it, with id: = entry id", async () => {
    const [adaStreamB, bossStreamA, bobStreamB] = await Promise.all([
      opened(cluster.b.url, adaOnB),
      opened(cluster.a.url, boss.browser),
      opened(cluster.b.url, createBrowser(cluster.b.url, { cookie: bob.browser.cookie })),
    ]);
    const body = uniqueBody("streamed");
    await post(ada.browser, body);
    const messageId = await messageIdOf(body);
    await Promise.all([waitForPost(adaStreamB, messageId), waitForPost(bossStreamA, messageId)]);
    const [fromB] = entries(adaStreamB.frames).filter((entry) => postedBody(entry) === messageId);
    const row = await cluster.database.db
      .selectFrom("action_logs")
      .selectAll()
      .where("action", "=", "chat.post")
      .where("actor_id", "=", ada.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(fromB).toMatchObject({
      sseId: row.id,
      id: row.id,
      actor: { id: ada.id, username: ada.username },
      resource: { type: "chat_room", id: "lobby" },
    });

    // Bob's own action reaches him; Ada's never did.
    const bobsBody = uniqueBody("bob's own");
    await post(bob.browser, bobsBody);
    await waitForPost(bobStreamB, await messageIdOf(bobsBody));
    expect(entries(bobStreamB.frames).every((entry) => entry.actor?.id === bob.id)).toBe(true);
    expect(entries(adaStreamB.frames).every((entry) => entry.actor?.id === ada.id)).toBe(true);
    // The admin saw both, in commit order.
    await waitForPost(bossStreamA, await messageIdOf(bobsBody));
    const bossIds = entries(bossStreamA.frames).map((entry) => BigInt(entry.id));
    expect(bossIds.every((id, index) => index === 0 || id > bossIds[index - 1]!)).toBe(true);
  });

  it("replays exactly what a reconnecting stream missed (Last-Event-ID, or ?after=), then goes live", async () => {
    const first = await opened(cluster.b.url, adaOnB);
    const body = uniqueBody("before the drop");
    await post(ada.browser, body, "support");
    await waitForPost(first, await messageIdOf(body));
    const lastEventId = first.lastEventId;
    expect(lastEventId).toMatch(/^\d+$/);
    first.close();

    // Missed while away: posts on A in two rooms (the first in a room also joins it).
    const missedBodies = [uniqueBody("missed 1"), uniqueBody("missed 2")];
    await post(ada.browser, missedBodies[0]!, "demo");
    await post(bob.browser, uniqueBody("not ada's"), "demo");
    await post(ada.browser, missedBodies[1]!, "support");
    const missed = await cluster.database.db
      .selectFrom("action_logs")
      .select(["id", "action"])
      .where("actor_id", "=", ada.id)
      .where("id", ">", lastEventId)
      .orderBy("id")
      .execute();
    expect(missed.map((row) => row.action)).toEqual(["chat.join", "chat.post", "chat.post"]);

    const resumed = [
      await opened(cluster.b.url, adaOnB, { lastEventId }),
      await opened(cluster.a.url, ada.browser, { query: `?after=${lastEventId}` }),
    ];
    for (const stream of resumed) {
      await stream.waitFor((frames) => entries(frames).length >= missed.length, 10_000, "the replayed entries");
      expect(entries(stream.frames).map((entry) => entry.id)).toEqual(missed.map((row) => row.id));
    }
    const live = uniqueBody("live again");
    await post(ada.browser, live, "demo");
    const liveId = await messageIdOf(live);
    for (const stream of resumed) {
      await waitForPost(stream, liveId);
      const ids = entries(stream.frames).map((entry) => entry.id);
      expect(ids.slice(0, missed.length)).toEqual(missed.map((row) => row.id));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
