import { randomBytes, randomUUID } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "#app/models/database.server.ts";
import { createBrowser, type Browser } from "../support/browser.ts";
import {
  decide,
  messageRow,
  opened,
  openChatStream,
  post,
  postMessage,
  registerMember,
  signInElsewhere,
  uniqueBody,
  type Member,
} from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startDedicatedPostgres, type DedicatedPostgres } from "../support/dedicated-postgres.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { chatFrames, chatMessages, waitForBody, type SseStream } from "../support/sse-client.ts";

/**
 * The live chat across processes: two app instances on one database hand every change to each
 * other's streams through LISTEN/NOTIFY; a reconnecting stream gets exactly what it missed; and a
 * Postgres restart loses nothing once the listener is back.
 */
const SECRET = randomBytes(64).toString("base64url");
const ADMIN_EMAIL = "chat-boss@example.com";

let database: TestDatabase;
let a: RunningServer;
let b: RunningServer;
const streams: SseStream[] = [];

const env = () => ({
  DATABASE_URL: database.url,
  SESSION_SECRET: SECRET,
  TRUST_PROXY: "loopback",
  ADMIN_EMAILS: ADMIN_EMAIL,
});

beforeAll(async () => {
  database = await createTestDatabase();
  [a, b] = await Promise.all([startServer(env()), startServer(env())]);
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

/** Opens a stream and remembers it for cleanup. */
async function stream(url: string, options: Parameters<typeof openChatStream>[1] = {}): Promise<SseStream> {
  const opening = opened(await openChatStream(url, options));
  streams.push(opening);
  return opening;
}

const idsOf = (s: SseStream) => chatMessages(s.frames).map((message) => message.id);
const framesAbout = (s: SseStream, id: string) =>
  chatFrames(s.frames).filter((frame) =>
    frame.payload.type === "removed"
      ? frame.payload.id === id
      : frame.payload.type !== "resync" && frame.payload.message.id === id,
  );

describe("two instances on one database", () => {
  let alice: Member;
  let bob: Member;
  let moderator: Member;
  /** The moderator signed in on instance B. */
  let moderatorOnB: Browser;
  /** Alice's session used against instance B (same cookie: both instances share the secret and the sessions table). */
  let aliceOnB: Browser;

  beforeAll(async () => {
    [alice, bob, moderator] = await Promise.all([
      registerMember(database.db, a.url, "alice"),
      registerMember(database.db, a.url, "bob"),
      registerMember(database.db, a.url, "mod"),
    ]);
    const boss = await registerMember(database.db, b.url, "boss", ADMIN_EMAIL);
    expect((await boss.browser.post("/admin", { userId: moderator.id })).status).toBe(303);
    moderatorOnB = await signInElsewhere(moderator, b.url);
    aliceOnB = createBrowser(b.url, { cookie: alice.browser.cookie });
  });

  it("deliver a message posted on A to streams on A and on B, with id: equal to the message id", async () => {
    const [aliceA, bobB, guestA, guestB] = await Promise.all([
      stream(a.url, { browser: alice.browser }),
      stream(b.url, { browser: bob.browser }),
      stream(a.url),
      stream(b.url),
    ]);
    const body = uniqueBody("hello from A");
    const postedAt = performance.now();
    await post(alice.browser, body);
    const row = await messageRow(database.db, body);
    expect(row.status).toBe("visible");

    for (const [name, s, mine] of [
      ["alice on A", aliceA, true],
      ["bob on B", bobB, false],
      ["guest on A", guestA, false],
      ["guest on B", guestB, false],
    ] as const) {
      await waitForBody(s, body, 10_000);
      const frames = s.frames.filter((frame) => frame.event === "chat" && frame.data.includes(body));
      expect(frames, name).toHaveLength(1);
      const [frame] = frames;
      expect(frame?.id, `${name}: the frame's id: field`).toBe(row.id);
      expect(JSON.parse(frame?.data ?? "{}"), name).toEqual({
        type: "message",
        message: {
          id: row.id,
          roomId: "lobby",
          authorName: alice.username,
          body,
          status: "visible",
          createdAt: row.created_at.toISOString(),
          mine,
        },
      });
      expect(frame!.receivedAt - postedAt, `${name}: delivered within 3 s of the post`).toBeLessThan(3_000);
    }
  });

  it("show a held message only to its author's streams (on both instances) until a moderator on B approves it; the approval reaches A", async () => {
    const [aliceA, aliceB, bobA, guestB, moderatorB] = await Promise.all([
      stream(a.url, { browser: alice.browser }),
      stream(b.url, { browser: aliceOnB }),
      stream(a.url, { browser: bob.browser }),
      stream(b.url),
      stream(b.url, { browser: moderatorOnB }),
    ]);
    const held = uniqueBody("read this: https://example.com/held");
    await post(alice.browser, held);
    const row = await messageRow(database.db, held);
    expect(row.status).toBe("pending");

    // A later visible message is a barrier: each instance handles notices in order, so once it is
    // on a stream, the held message's notice has been handled for that stream too.
    const barrier = uniqueBody("barrier");
    await post(bob.browser, barrier);
    await Promise.all([aliceA, aliceB, bobA, guestB, moderatorB].map((s) => waitForBody(s, barrier)));

    for (const [name, s] of [
      ["alice on A", aliceA],
      ["alice on B", aliceB],
    ] as const) {
      const frames = framesAbout(s, row.id);
      expect(frames, name).toHaveLength(1);
      expect(frames[0]?.sseId, name).toBe(row.id);
      expect(frames[0]?.payload, name).toMatchObject({
        type: "message",
        message: { id: row.id, body: held, status: "pending", mine: true },
      });
    }
    for (const [name, s] of [
      ["bob on A", bobA],
      ["guest on B", guestB],
      ["moderator on B", moderatorB],
    ] as const) {
      expect(framesAbout(s, row.id), `${name} must not see the held message`).toEqual([]);
      expect(
        s.frames.some((frame) => frame.data.includes(held)),
        name,
      ).toBe(false);
    }

    const approvedAt = performance.now();
    const decision = await decide(moderatorOnB, row.id, "approved");
    expect(decision.status).toBe(303);
    const isApproval = (s: SseStream) => framesAbout(s, row.id).some((frame) => frame.payload.type === "approved");
    await Promise.all(
      [bobA, guestB, aliceA, aliceB].map((s) => s.waitFor(() => isApproval(s), 10_000, `the approval of ${row.id}`)),
    );
    const approval = framesAbout(bobA, row.id).find((frame) => frame.payload.type === "approved");
    expect(approval?.sseId, "an approval carries no SSE id (Last-Event-ID stays the last new message)").toBeUndefined();
    expect(approval?.payload).toEqual({
      type: "approved",
      message: {
        id: row.id,
        roomId: "lobby",
        authorName: alice.username,
        body: held,
        status: "visible",
        createdAt: row.created_at.toISOString(),
        mine: false,
      },
    });
    expect(approval!.receivedAt - approvedAt).toBeLessThan(3_000);
    expect(framesAbout(aliceA, row.id).find((frame) => frame.payload.type === "approved")?.payload).toMatchObject({
      message: { mine: true, status: "visible" },
    });
    expect(bobA.lastEventId, "bob's Last-Event-ID is still the barrier's id").toBe(
      (await messageRow(database.db, barrier)).id,
    );
  });

  it("tell every stream of the room (on A) that a message removed on B is gone, with no SSE id", async () => {
    const [aliceA, bobA, guestA] = await Promise.all([
      stream(a.url, { browser: alice.browser }),
      stream(a.url, { browser: bob.browser }),
      stream(a.url),
    ]);
    const held = uniqueBody(`long ${"x".repeat(320)}`);
    await post(alice.browser, held);
    const row = await messageRow(database.db, held);
    expect(row.status).toBe("pending");
    await waitForBody(aliceA, held);

    expect((await decide(moderatorOnB, row.id, "removed")).status).toBe(303);
    const isRemoval = (s: SseStream) => framesAbout(s, row.id).some((frame) => frame.payload.type === "removed");
    await Promise.all(
      [aliceA, bobA, guestA].map((s) => s.waitFor(() => isRemoval(s), 10_000, `the removal of ${row.id}`)),
    );
    for (const s of [aliceA, bobA, guestA]) {
      const removal = framesAbout(s, row.id).find((frame) => frame.payload.type === "removed");
      expect(removal?.payload).toEqual({ type: "removed", id: row.id });
      expect(removal?.sseId).toBeUndefined();
    }
    expect(
      framesAbout(bobA, row.id).map((frame) => frame.payload.type),
      "bob never saw the held message itself",
    ).toEqual(["removed"]);
    expect(
      (
        await database.db
          .selectFrom("chat_messages")
          .select("status")
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("removed");
  });
});

describe("Last-Event-ID", () => {
  const ROOM = "demo";
  let posters: Member[];

  beforeAll(async () => {
    posters = await Promise.all(
      Array.from({ length: 7 }, (_, i) => registerMember(database.db, i % 2 ? b.url : a.url, `poster${i}`)),
    );
  });

  const idsAfter = async (after: string) =>
    (
      await database.db
        .selectFrom("chat_messages")
        .select(["id", "status"])
        .where("room_id", "=", ROOM)
        .where("id", ">", after)
        .orderBy("id")
        .execute()
    )
      .filter((row) => row.status === "visible")
      .map((row) => row.id);

  it("replays exactly the missed messages, in order, without duplicates, on another instance, then continues live", async () => {
    const tab = randomUUID();
    const first = await stream(a.url, { room: ROOM, tab });
    const seen: string[] = [];
    for (const [i, poster] of posters.slice(0, 3).entries()) {
      const body = uniqueBody(`before the drop ${i}`);
      await post(poster.browser, body, ROOM);
      seen.push((await messageRow(database.db, body)).id);
    }
    await first.waitFor(() => idsOf(first).length === 3, 10_000, "messages 1..3");
    expect(idsOf(first)).toEqual(seen);
    const lastEventId = first.lastEventId;
    expect(lastEventId).toBe(seen.at(-1));
    first.close();

    // Twelve messages while it is away, three per member (the limit is five per ten seconds), plus one held.
    const missed: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, poster] of posters.slice(0, 4).entries()) {
        const body = uniqueBody(`while away ${round}.${i}`);
        await post(poster.browser, body, ROOM);
        missed.push((await messageRow(database.db, body)).id);
      }
    }
    const heldBody = uniqueBody("held while away: www.example.com");
    await post(posters[4]!.browser, heldBody, ROOM);
    const heldId = (await messageRow(database.db, heldBody)).id;
    expect(await idsAfter(lastEventId)).toEqual(missed);

    // Reconnect to the other instance, as an EventSource does, while three more messages are posted.
    const live = [uniqueBody("live 0"), uniqueBody("live 1"), uniqueBody("live 2")];
    const [again] = await Promise.all([
      stream(b.url, { room: ROOM, tab, headers: { "last-event-id": lastEventId } }),
      (async () => {
        await post(posters[5]!.browser, live[0]!, ROOM);
        await post(posters[4]!.browser, live[1]!, ROOM);
        await post(posters[5]!.browser, live[2]!, ROOM);
      })(),
    ]);
    await waitForBody(again, live[2]!);
    const liveIds = await Promise.all(live.map(async (body) => (await messageRow(database.db, body)).id));
    const received = chatMessages(again.frames);
    expect(received.map((message) => message.id)).toEqual([...missed, ...liveIds]);
    expect(received.every((message) => message.sseId === message.id)).toBe(true);
    expect(
      received.some((message) => message.id === heldId),
      "a guest's replay leaves out another member's held message",
    ).toBe(false);
    expect(
      received.some((message) => message.id === lastEventId || seen.includes(message.id)),
      "nothing at or before Last-Event-ID",
    ).toBe(false);

    // And it stays live.
    const after = uniqueBody("after the replay");
    await post(posters[3]!.browser, after, ROOM);
    await waitForBody(again, after);
    expect(idsOf(again).at(-1)).toBe((await messageRow(database.db, after)).id);
    expect(new Set(idsOf(again)).size).toBe(idsOf(again).length);
  });

  it("replays the author's own held messages to the author, and takes after= when there is no Last-Event-ID", async () => {
    const author = posters[6]!;
    const start = (
      await database.db
        .selectFrom("chat_messages")
        .select("id")
        .where("room_id", "=", ROOM)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirstOrThrow()
    ).id;
    const bodies = [uniqueBody("mine, visible"), uniqueBody("mine, held: https://example.org")];
    for (const body of bodies) await post(author.browser, body, ROOM);
    const ids = await Promise.all(bodies.map(async (body) => (await messageRow(database.db, body)).id));
    const fresh = await stream(a.url, { room: ROOM, browser: author.browser, after: start });
    await fresh.waitFor(() => idsOf(fresh).length >= 2, 10_000, "the replay");
    expect(chatMessages(fresh.frames).map((message) => [message.id, message.status, message.mine])).toEqual([
      [ids[0], "visible", true],
      [ids[1], "pending", true],
    ]);
    // Last-Event-ID wins over after= (the browser's reconnect of a page opened with after=).
    const reconnect = await stream(b.url, {
      room: ROOM,
      browser: author.browser,
      after: start,
      headers: { "last-event-id": ids[0]! },
    });
    await reconnect.waitFor(() => idsOf(reconnect).length >= 1, 10_000, "the replay");
    // A control posted after it: the stream delivers in order, so once it is in, the replay is complete.
    const control = uniqueBody("mine, after the replay");
    await post(author.browser, control, ROOM);
    const controlId = (await messageRow(database.db, control)).id;
    await reconnect.waitFor(() => idsOf(reconnect).some((id) => id === controlId), 10_000, "the control message");
    expect(idsOf(reconnect)).toEqual([ids[1], controlId]);
  });
});

describe("a Postgres restart", () => {
  let cluster: DedicatedPostgres;
  let db: Kysely<Database>;
  const servers: RunningServer[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    cluster = await startDedicatedPostgres();
    const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
    pool.on("error", () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((one) => one.stop()));
    await db?.destroy().catch(() => undefined);
    await cluster?.destroy();
  });
  const start = async () => {
    const server = await startServer({
      DATABASE_URL: cluster.url,
      SESSION_SECRET: SECRET,
      TRUST_PROXY: "loopback",
      ADMIN_EMAILS: ADMIN_EMAIL,
    });
    servers.push(server);
    return server;
  };
  const tail = (server: RunningServer) =>
    server
      .logs()
      .slice(-6)
      .map((line) =>
        JSON.stringify({
          level: line.level,
          msg: line.msg,
          err: (line.err as { message?: string } | undefined)?.message,
        }),
      )
      .join("\n");

  it("loses no accepted message: the listener reconnects, LISTENs again and resyncs, in order", async () => {
    const server = await start();
    const members = await Promise.all(Array.from({ length: 10 }, (_, i) => registerMember(db, server.url, `pgr${i}`)));
    const watcher = await stream(server.url);
    const accepted: string[] = [];
    const acceptedAt = new Map<string, number>();
    const failures: Record<string, number> = {};
    let posting = true;
    // While paused no post is in flight: the stop itself then cuts no query of the app (see the next test for that case).
    let paused = false;
    let inFlight = 0;
    let next = 0;
    const poster = (async () => {
      for (let i = 0; posting; i++) {
        const body = `restart ${i} ${randomUUID().slice(0, 8)}`;
        // Retry this message until it is accepted; another member each time (the per-member limit).
        while (posting) {
          while (paused) await sleep(10);
          const member = members[next++ % members.length]!;
          inFlight += 1;
          const status = await postMessage(member.browser, body).then(
            (response) => response.status,
            () => 0,
          );
          inFlight -= 1;
          if (status === 303) {
            accepted.push(body);
            acceptedAt.set(body, performance.now());
            break;
          }
          failures[status] = (failures[status] ?? 0) + 1;
          await sleep(100);
        }
        await sleep(120);
      }
    })();
    const delivered = () => new Set(chatMessages(watcher.frames).map((message) => message.body));
    const allDelivered = () => accepted.every((body) => delivered().has(body));

    await sleep(1_000);
    paused = true;
    while (inFlight > 0) await sleep(5);
    await watcher.waitFor(() => accepted.length > 0 && allDelivered(), 5_000, "the first messages");
    const beforeStop = accepted.length;
    await cluster.stop();
    const stoppedAt = performance.now();
    paused = false;
    await sleep(1_500);
    await cluster.start();
    const restartedAt = performance.now();
    const acceptedBeforeRestart = accepted.length;
    await sleep(3_000);
    posting = false;
    await poster;

    expect(server.process.exitCode, `the app process survives the database restart:\n${tail(server)}`).toBeNull();
    expect(
      accepted.length,
      `accepted after the restart (failures by status: ${JSON.stringify(failures)}):\n${tail(server)}`,
    ).toBeGreaterThan(acceptedBeforeRestart);
    await watcher.waitFor(allDelivered, 15_000, "every accepted message");
    // How long accepted messages waited for their stream once Postgres was back (the listener's backoff).
    const waits = accepted
      .slice(acceptedBeforeRestart)
      .map(
        (body) =>
          (watcher.frames.find((frame) => frame.data.includes(body))?.receivedAt ?? Infinity) -
          (acceptedAt.get(body) ?? 0),
      );
    const recoveryMs = Math.max(...waits);
    expect(recoveryMs, "the longest wait of a message accepted after the restart").toBeLessThan(15_000);
    expect(watcher.ended, "the event stream survives the database restart").toBe(false);

    const rows = await db
      .selectFrom("chat_messages")
      .select(["id", "body"])
      .where("room_id", "=", "lobby")
      .orderBy("id")
      .execute();
    const received = chatMessages(watcher.frames);
    // Loss and order, as a client that keeps one entry per id sees them; delivering a message twice
    // is the concern of "delivers each message once …" below, which provokes it on purpose.
    const firsts = received.filter(
      (message, index) => received.findIndex((other) => other.id === message.id) === index,
    );
    expect(
      firsts.map((message) => message.id),
      "every committed message, in commit order",
    ).toEqual(rows.map((row) => row.id));
    expect(received.every((message) => message.sseId === message.id)).toBe(true);
    expect(server.logs().some((line) => line.msg === "LISTEN connection restored: resyncing")).toBe(true);
    expect((await fetch(new URL("/ready", server.url))).status).toBe(200);
    console.info(
      `postgres restart: ${beforeStop} accepted before the stop, ${acceptedBeforeRestart - beforeStop} while down, ${accepted.length - acceptedBeforeRestart} after; ` +
        `down ${Math.round(restartedAt - stoppedAt)} ms; longest delivery wait after it ${Math.round(recoveryMs)} ms; ` +
        `${received.length - firsts.length} delivered twice; failures ${JSON.stringify(failures)}`,
    );
  }, 60_000);

  it("does not kill the app when it cuts a query in flight (a post waiting on the room's lock)", async () => {
    const server = await start();
    const member = await registerMember(db, server.url, "inflight");
    // Hold the room's row lock, so the app's post transaction waits inside Postgres on a checked-out connection.
    const locker = new pg.Client({ connectionString: cluster.url });
    locker.on("error", () => undefined);
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("SELECT id FROM chat_rooms WHERE id = 'support' FOR UPDATE");
    const posting = postMessage(member.browser, uniqueBody("caught by the restart"), "support").then(
      (response) => response.status,
      () => 0,
    );
    const waiting = async () =>
      (
        await locker.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
      ).rows[0].n as number;
    await expect.poll(waiting, { timeout: 5_000, interval: 20 }).toBeGreaterThan(0);

    await cluster.stop();
    try {
      const status = await posting;
      expect([0, 500, 503]).toContain(status);
      await sleep(500);
      expect(
        server.process.exitCode,
        `the app must survive a database restart that cuts an in-flight query:\n${tail(server)}`,
      ).toBeNull();
    } finally {
      await cluster.start();
      await locker.end().catch(() => undefined);
    }
    await expect
      .poll(async () => (await fetch(new URL("/ready", server.url))).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
    await post(member.browser, uniqueBody("after the restart"), "support");
  }, 30_000);

  it("brings decisions made while the listener was away to open streams once it is back (or tells them to resync)", async () => {
    const server = await start();
    const [author, mod] = await Promise.all([
      registerMember(db, server.url, "away"),
      registerMember(db, server.url, "awaymod"),
    ]);
    const admin = await registerMember(db, server.url, "awayboss", ADMIN_EMAIL);
    expect((await admin.browser.post("/admin", { userId: mod.id })).status).toBe(303);
    const bodies = [
      uniqueBody("approve while away https://example.com"),
      uniqueBody("remove while away https://example.com"),
    ];
    const [guestStream, authorStream] = await Promise.all([
      stream(server.url, { room: "demo" }),
      stream(server.url, { room: "demo", browser: author.browser }),
    ]);
    for (const body of bodies) await post(author.browser, body, "demo");
    const [toApprove, toRemove] = await Promise.all(bodies.map((body) => messageRow(db, body)));
    await waitForBody(authorStream, bodies[1]!);

    // Down long enough that the listener's backoff (0.1, 0.2, 0.4 … s) leaves it away for a while after the database is back.
    await cluster.stop();
    await sleep(3_300);
    await cluster.start();
    const listening = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from pg_stat_activity where query ilike 'listen%' and datname = current_database()`.execute(
          db,
        )
      ).rows[0]!.n;
    expect(
      await listening(),
      "the listener is still away when the decisions are made (timing: a retry came early)",
    ).toBe(0);
    expect((await decide(mod.browser, toApprove!.id, "approved")).status).toBe(303);
    expect((await decide(mod.browser, toRemove!.id, "removed")).status).toBe(303);
    expect(await listening(), "the decisions committed while nothing listened (timing: a retry came early)").toBe(0);

    await expect
      .poll(() => server.logs().some((line) => line.msg === "LISTEN connection restored: resyncing"), {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(true);
    // A control: the streams are live again (each instance handles notices in order, so the resync is done by then).
    const control = uniqueBody("live again");
    await post(admin.browser, control, "demo");
    await Promise.all([waitForBody(guestStream, control), waitForBody(authorStream, control)]);
    const told = (s: SseStream, id: string, type: "approved" | "removed") =>
      chatFrames(s.frames).some(
        (frame) =>
          frame.payload.type === "resync" ||
          (frame.payload.type === type &&
            (type === "removed"
              ? frame.payload.type === "removed" && frame.payload.id === id
              : frame.payload.type === "approved" && frame.payload.message.id === id)),
      );
    for (const [name, s] of [
      ["guest", guestStream],
      ["author", authorStream],
    ] as const) {
      await s
        .waitFor(
          () => told(s, toApprove!.id, "approved") && told(s, toRemove!.id, "removed"),
          1_000,
          `the decisions (or a resync) after the listener came back (${name})`,
        )
        .catch((error: Error) => {
          throw new Error(
            `${name}'s stream never learnt that ${toApprove!.id} was approved and ${toRemove!.id} removed while the listener was away: ${error.message}`,
          );
        });
    }
  }, 45_000);

  it("delivers each message once when others commit while the listener resyncs (a busy second instance)", async () => {
    const server = await start();
    const watcher = await stream(server.url, { room: "lobby" });
    const startId =
      (await db.selectFrom("chat_messages").select("id").orderBy("id", "desc").limit(1).executeTakeFirst())?.id ?? "0";
    // What chat.post commits, as another instance would: the room's lock, the row, the notice, one transaction.
    let written = 0;
    const write = () =>
      db.transaction().execute(async (trx) => {
        await trx.selectFrom("chat_rooms").select("id").where("id", "=", "lobby").forNoKeyUpdate().execute();
        const row = await trx
          .insertInto("chat_messages")
          .values({
            room_id: "lobby",
            author_id: null,
            author_name: "other instance",
            body: `busy ${written}`,
            status: "visible",
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await sql`select pg_notify('chat_events', ${`${row.id}:posted`})`.execute(trx);
        written += 1;
      });
    await write();
    await waitForBody(watcher, "busy 0");

    await cluster.stop();
    await sleep(1_550);
    await cluster.start();
    const restored = () => server.logs().some((line) => line.msg === "LISTEN connection restored: resyncing");
    // Keep committing from the moment the database is back until a little after the listener resynced.
    let until = Infinity;
    while (performance.now() < until) {
      await write().catch(() => sleep(20));
      if (until === Infinity && restored()) until = performance.now() + 500;
      expect(written, "the listener never came back").toBeLessThan(20_000);
    }
    expect(server.process.exitCode, tail(server)).toBeNull();
    const rows = await db
      .selectFrom("chat_messages")
      .select("id")
      .where("room_id", "=", "lobby")
      .where("id", ">", startId)
      .orderBy("id")
      .execute();
    await watcher.waitFor(() => new Set(idsOf(watcher)).size >= rows.length, 10_000, `all ${rows.length} messages`);
    await sleep(300);
    const received = idsOf(watcher);
    const duplicates = [...new Set(received.filter((id, index) => received.indexOf(id) !== index))];
    const first = duplicates[0];
    const window =
      first === undefined
        ? ""
        : received.slice(Math.max(0, received.indexOf(first) - 2), received.lastIndexOf(first) + 2).join(", ");
    expect(
      duplicates,
      `messages delivered twice (of ${rows.length} committed, ${received.length} frames; the stream around them: ${window})`,
    ).toEqual([]);
    expect(received).toEqual(rows.map((row) => row.id));
  }, 45_000);
});
