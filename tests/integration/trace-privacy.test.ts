import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestLine, TraceEvent } from "#app/models/trace.ts";
import { sessionHandle } from "#app/models/session-repository.server.ts";
import { formBody, newAccount, nextIp, sessionIdOf, type Fields } from "../support/browser.ts";
import { CookieJar } from "../support/cookie-jar.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { linkIn, mailTo, tokenOf } from "../support/mail.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { openSse, type SseEvent, type SseStream } from "../support/sse-client.ts";

/**
 * The lab's privacy rule over HTTP, against the production build and real Postgres (DESIGN.md, "The
 * lab"): a visitor sees their own session's traces; another visitor's activity reaches them only as
 * anonymous request lines (method, path, status, latency), never ids, bodies or SQL. Visitor A signs
 * up, uses every identity widget, a database lookup, the boundary check and the chat while visitor B
 * holds a lab stream; then B loads the lab page. Also: the Server-Timing header.
 */
const VISITOR_COOKIE = "glassbox_visitor";
const SESSION_COOKIE = "glassbox_session";
const LINE_KEYS = ["flow", "latencyMs", "method", "path", "seq", "status", "time"];

interface Sent {
  readonly method: string;
  /** Without the query string, as a trace shows it. */
  readonly path: string;
  readonly status: number;
  readonly requestId: string;
  readonly serverTiming: string | null;
}

/** A visitor with its own cookie jar (visitor cookie and session), address and agent; records every request's id. */
function createVisitor(url: string, label: string) {
  const origin = new URL(url).origin;
  const jar = new CookieJar();
  const ip = nextIp();
  const userAgent = `glassbox-trace-privacy/${label}-${randomBytes(3).toString("hex")}`;
  const sent: Sent[] = [];
  /** Every session id this visitor held, in order. */
  const sessionIds: string[] = [];

  const headers = (extra: Record<string, string> = {}): Record<string, string> => {
    const cookie = jar.header();
    return { "user-agent": userAgent, "x-forwarded-for": ip, ...(cookie ? { cookie } : {}), ...extra };
  };

  async function send(path: string, init: { method?: string; form?: Fields; headers?: Record<string, string> } = {}) {
    const method = init.method ?? (init.form ? "POST" : "GET");
    const response = await fetch(new URL(path, url), {
      method,
      redirect: "manual",
      body: init.form ? formBody(init.form) : undefined,
      headers: headers({
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded", origin } : {}),
        ...init.headers,
      }),
    });
    const body = await response.text();
    jar.store(response.headers.getSetCookie());
    const session = jar.get(SESSION_COOKIE);
    if (session) {
      const id = sessionIdOf(`${SESSION_COOKIE}=${session}`);
      if (sessionIds.at(-1) !== id) sessionIds.push(id);
    }
    const requestId = response.headers.get("x-request-id");
    expect(requestId, `${method} ${path} has a request id`).toBeTruthy();
    sent.push({
      method,
      path: path.split("?")[0] ?? path,
      status: response.status,
      requestId: requestId as string,
      serverTiming: response.headers.get("server-timing"),
    });
    return { response, body, requestId: requestId as string };
  }

  async function labStream(): Promise<{ stream: SseStream; requestId: string }> {
    const stream = await openSse(new URL(`/events?${new URLSearchParams({ tab: randomUUID(), lab: "1" })}`, url), {
      headers: headers(),
    });
    expect(stream.status, stream.text()).toBe(200);
    const requestId = stream.headers["x-request-id"];
    expect(typeof requestId).toBe("string");
    return { stream, requestId: requestId as string };
  }

  return { jar, sent, sessionIds, send, labStream, visitorId: () => jar.get(VISITOR_COOKIE) };
}
type Visitor = ReturnType<typeof createVisitor>;

// What the stream carries is exactly the domain's trace types, as JSON.
const tracesOf = (frames: readonly SseEvent[]) =>
  frames.filter((frame) => frame.event === "trace").map((frame) => JSON.parse(frame.data) as TraceEvent);
/** Timeline frames carry one tick's lines each. */
const linesOf = (frames: readonly SseEvent[]) =>
  frames.filter((frame) => frame.event === "timeline").flatMap((frame) => JSON.parse(frame.data) as RequestLine[]);
/** How a trace names a path: React Router's data requests (`/lab.data`) as the page they are for. */
const tracedPath = (path: string) => path.replace(/\.data$/, "");
const requestKey = (request: { method: string; path: string; status: number }) =>
  `${request.method} ${tracedPath(request.path)} ${request.status}`;
const sortedKeys = (requests: readonly { method: string; path: string; status: number }[]) =>
  requests.map(requestKey).sort();
/** The `<section id="…">` element of a page, up to its own closing tag (sections nest). */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  if (start === -1) throw new Error(`no section #${id} on the page`);
  let depth = 0;
  const tags = /<section\b|<\/section>/g;
  tags.lastIndex = start;
  for (let match = tags.exec(html); match; match = tags.exec(html)) {
    depth += match[0] === "</section>" ? -1 : 1;
    if (depth === 0) return html.slice(start, match.index + match[0].length);
  }
  throw new Error(`section #${id} is not closed`);
}

let database: TestDatabase;
let server: RunningServer;

let a: Visitor;
let b: Visitor;
let aStream: SseStream;
let aStreamId: string;
let bStream: SseStream;
let bStreamId: string;
let aUserId: string;
let account: ReturnType<typeof newAccount>;
const lookedUpEmail = `looked-up-${randomBytes(4).toString("hex")}@example.com`;
const boundaryInput = `not-an-address-${randomBytes(4).toString("hex")}`;
const chatBody = `hello from A ${randomBytes(4).toString("hex")}`;
/** B's page after all of A's activity. */
let bPage: { html: string; requestId: string };
/** A's own lab page, after signing up and in. */
let aPage: string;
/** A's requests made while A's own lab stream was open (their events must reach it). */
let aStreamed: Sent[];
let confirmationToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // Few connections, so that concurrent requests wait for one another's (see "concurrent visitors").
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    DB_MAX_CONNECTIONS: "3",
  });
  a = createVisitor(server.url, "a");
  b = createVisitor(server.url, "b");
  account = newAccount("tracea");

  // B: a visitor cookie first, then the lab stream held through all of A's activity.
  expect((await b.send("/")).response.status).toBe(200);
  expect(b.visitorId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  ({ stream: bStream, requestId: bStreamId } = await b.labStream());

  // A: a visitor cookie, A's own lab stream, then the whole tour.
  expect((await a.send("/")).response.status).toBe(200);
  expect(a.visitorId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  ({ stream: aStream, requestId: aStreamId } = await a.labStream());
  const before = a.sent.length;
  expect((await a.send("/register", { form: account })).response.status).toBe(303);
  // The welcome mail's link finishes the sign-up (and signs in); its token is as secret as a session id.
  const link = linkIn(await mailTo(database.db, account.email, /^Welcome to/), "/verify-email");
  confirmationToken = tokenOf(link);
  expect((await a.send(link)).response.status).toBe(200);
  expect(
    (await a.send("/verify-email", { form: { intent: "confirm", token: confirmationToken } })).response.status,
  ).toBe(303);
  expect((await a.send("/login", { form: { email: account.email, password: account.password } })).response.status).toBe(
    303,
  );
  expect(a.sessionIds).toHaveLength(2); // a new session id at sign-in
  // A query string may carry anything: it never reaches a trace.
  const ownPage = await a.send(`/lab?filter=${encodeURIComponent(account.email)}`);
  expect(ownPage.response.status).toBe(200);
  aPage = ownPage.body;
  const forms: Record<string, string>[] = [
    { intent: "auth-status" },
    { intent: "session-details" },
    { intent: "database-check", email: lookedUpEmail },
    { intent: "database-check", email: account.email },
    { intent: "boundary-check", rule: "email", input: boundaryInput },
  ];
  for (const form of forms) {
    const { response, body } = await a.send("/lab?index", { form });
    expect(response.status, `${form.intent}: ${body.slice(0, 300)}`).toBe(200);
  }
  expect((await a.send("/chat?room=lobby", { form: { intent: "post", body: chatBody } })).response.status).toBe(303);
  expect((await a.send("/lab.data")).response.status).toBe(200);
  expect((await a.send("/lab/probe")).response.status).toBe(204);
  expect((await a.send("/health")).response.status).toBe(200);
  expect((await a.send("/favicon.svg")).response.status).toBe(200);
  aStreamed = a.sent.slice(before);

  const row = await database.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", account.email)
    .executeTakeFirstOrThrow();
  aUserId = row.id;

  // A's own stream: every request's end arrives there, since each is A's own.
  await aStream.waitFor(
    (frames) =>
      aStreamed.every((sent) =>
        tracesOf(frames).some((event) => event.kind === "request.end" && event.requestId === sent.requestId),
      ),
    10_000,
    "a request.end for each of A's requests",
  );
  aStream.close();
  a.sent.push({ method: "GET", path: "/events", status: 200, requestId: aStreamId, serverTiming: null });

  // B gets one anonymous line per finished request of A (its stream included), and nothing else of A.
  await bStream.waitFor((frames) => linesOf(frames).length >= a.sent.length, 10_000, `${a.sent.length} timeline lines`);
  const { body, requestId } = await b.send("/lab");
  bPage = { html: body, requestId };
  // Anything B's own page load pushes to B's stream (its own events) has arrived by now.
  await bStream.waitFor(
    (frames) => tracesOf(frames).some((event) => event.kind === "request.end" && event.requestId === requestId),
    10_000,
    "B's own /lab request.end",
  );
});

afterAll(async () => {
  aStream?.close();
  bStream?.close();
  await server?.stop();
  await database?.drop();
});

/** Everything of A that B must never see, by name (for the failure message). */
function secretsOfA(): Record<string, string> {
  const secrets: Record<string, string> = {
    "A's user id": aUserId,
    "A's email": account.email,
    "A's email (url-encoded)": encodeURIComponent(account.email),
    "A's password": account.password,
    "A's visitor cookie": a.visitorId() ?? "(none)",
    "the email A looked up": lookedUpEmail,
    "A's boundary-check input": boundaryInput,
    "A's confirmation link token": confirmationToken,
  };
  for (const sent of a.sent) secrets[`A's request id of ${sent.method} ${sent.path}`] = sent.requestId;
  a.sessionIds.forEach((id, index) => {
    secrets[`A's session id #${index + 1}`] = id;
    secrets[`A's session handle #${index + 1}`] = sessionHandle(id);
  });
  return secrets;
}

function expectNoneOf(text: string, secrets: Record<string, string>, where: string) {
  for (const [name, value] of Object.entries(secrets)) {
    expect(value.length, name).toBeGreaterThan(5);
    expect(text.includes(value), `${where} contains ${name} (${value})`).toBe(false);
  }
}

describe("another visitor's lab stream", () => {
  it("carries none of A's ids, cookie, email, session, lookups or form input, in any frame", () => {
    const all = bStream.frames.map((frame) => `${frame.event}\n${frame.id ?? ""}\n${frame.data}`).join("\n\n");
    expectNoneOf(all, secretsOfA(), "B's stream");
  });

  it("carries neither A's username nor A's message in trace or timeline frames (the chat frame may name its author)", () => {
    const traceAndTimeline = bStream.frames.filter((frame) => frame.event === "trace" || frame.event === "timeline");
    expect(traceAndTimeline.length).toBeGreaterThan(0);
    const text = traceAndTimeline.map((frame) => frame.data).join("\n");
    expectNoneOf(text, { "A's username": account.username, "A's chat message": chatBody }, "B's trace/timeline frames");
    // The chat frame is how B legitimately learns A's name: the assertion above is scoped for that reason.
    const chat = bStream.frames.filter((frame) => frame.event === "chat").map((frame) => frame.data);
    expect(chat.some((data) => data.includes(chatBody) && data.includes(account.username))).toBe(true);
  });

  it("has one anonymous timeline line per request of A: method, path, status, latency and a flow that is no request id", () => {
    const lines = linesOf(bStream.frames);
    expect(sortedKeys(lines)).toEqual(sortedKeys(a.sent));
    const ids = new Set([...a.sent, ...b.sent].map((sent) => sent.requestId));
    const flows = new Set<string>();
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(LINE_KEYS);
      expect(line.flow).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(ids.has(line.flow)).toBe(false);
      flows.add(line.flow);
      expect(line.path).not.toContain("?");
      expect(line.latencyMs).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    expect(flows.size).toBe(lines.length);
  });

  it("has trace frames only of B's own requests or the server's own work, and no SQL of A's requests", () => {
    const ownIds = new Set([bStreamId, ...b.sent.map((sent) => sent.requestId)]);
    const aIds = new Set(a.sent.map((sent) => sent.requestId));
    const traces = tracesOf(bStream.frames);
    for (const event of traces) {
      expect(
        event.requestId === null || ownIds.has(event.requestId),
        `${event.kind} ${event.message} of request ${event.requestId}`,
      ).toBe(true);
      expect(event.userId, `${event.kind} ${event.message}`).toBeNull(); // B is a guest; server work has no user
      if (event.requestId === null) expect(event.request).toBeNull();
    }
    // SQL: what A's own stream saw of A's statements never reaches B, not even as text.
    const aSql = tracesOf(aStream.frames).filter(
      (event) => event.kind === "sql" && event.requestId !== null && aIds.has(event.requestId),
    );
    expect(aSql.length).toBeGreaterThan(0);
    const bSql = traces.filter((event) => event.kind === "sql");
    for (const event of bSql) expect(event.requestId === null || ownIds.has(event.requestId), event.message).toBe(true);
    // The only statement of the server's own work here: the hub loading each posted message (by id,
    // without its parameter) before it broadcasts it. A statement of A's that lost its request would
    // show up here as another one.
    const serverSql = bSql.filter((event) => event.requestId === null);
    expect(serverSql.map((event) => event.message)).toEqual(
      traces
        .filter((event) => event.kind === "chat.broadcast")
        .map(() => expect.stringMatching(/^select "id", .* from "chat_messages" where "id" = \$1$/)),
    );
    expect(serverSql).toHaveLength(1);
    const bSqlTexts = new Set(serverSql.map((event) => event.message));
    const aOnly = aSql.filter((event) => !bSqlTexts.has(event.message));
    expect(aOnly.length, "statements of A's that B has no own reason to see").toBeGreaterThan(0);
    const bText = bStream.frames.map((frame) => frame.data).join("\n");
    for (const event of aOnly) {
      if (bSql.some((own) => own.message === event.message)) continue; // B ran the same statement itself
      expect(bText.includes(event.message), `B's stream contains A's SQL: ${event.message}`).toBe(false);
    }
  });
});

describe("another visitor's lab page", () => {
  it("contains none of A's ids, cookie, email, session, lookups or form input", () => {
    expect(bPage.html).toContain("Operational timeline");
    expectNoneOf(bPage.html, secretsOfA(), "B's /lab page");
  });

  it("shows A's requests in the timeline only as anonymous lines, without A's username or SQL", () => {
    const visibility = sectionOf(bPage.html, "visibility");
    const timeline = sectionOf(bPage.html, "timeline");
    expect(timeline).toContain('data-flow="POST /chat"');
    expect(timeline).toContain('data-flow="POST /register"');
    expect(timeline).toContain("another visitor");
    expectNoneOf(
      visibility,
      { "A's username": account.username, "A's chat message": chatBody },
      "B's visibility section",
    );
    for (const event of tracesOf(aStream.frames).filter((event) => event.kind === "sql")) {
      if (tracesOf(bStream.frames).some((own) => own.kind === "sql" && own.message === event.message)) continue;
      expect(visibility.includes(event.message), `B's page shows A's SQL: ${event.message}`).toBe(false);
    }
    // The chat panel legitimately names the author of a message.
    expect(sectionOf(bPage.html, "chat")).toContain(account.username);
  });
});

describe("the visitor's own lab stream", () => {
  it("receives A's own trace events: SQL, loader/action steps and request.end, with A's user id once known", () => {
    const traces = tracesOf(aStream.frames);
    const ids = new Set(aStreamed.map((sent) => sent.requestId));
    const mine = traces.filter((event) => event.requestId !== null && ids.has(event.requestId));
    const kinds = new Set(mine.map((event) => event.kind));
    for (const kind of ["sql", "request.end", "action", "loader", "service"]) expect(kinds, kind).toContain(kind);
    expect(kinds).not.toContain("request.start"); // diagnostic only
    for (const sent of aStreamed) {
      const end = mine.find((event) => event.kind === "request.end" && event.requestId === sent.requestId);
      const path = tracedPath(sent.path);
      expect(end?.fields, `${sent.method} ${sent.path}`).toMatchObject({
        method: sent.method,
        path,
        status: sent.status,
      });
      expect(end?.request).toBe(`${sent.method} ${path}`);
    }
    expect(mine.some((event) => event.userId === aUserId)).toBe(true);
    // SQL carries its text, never its parameters.
    expectNoneOf(
      mine.map((event) => JSON.stringify(event)).join("\n"),
      { "A's email": account.email, "the email A looked up": lookedUpEmail, "A's password": account.password },
      "A's own traces",
    );
    // Nothing of B's (its stream, its first page) reached A as a trace event.
    expect(
      traces.every((event) => event.requestId === null || ids.has(event.requestId) || event.requestId === aStreamId),
    ).toBe(true);
  });
});

describe("the visitor's own lab page", () => {
  it("shows the visitor's own requests as their own flows, never also as another visitor's line", () => {
    const timeline = sectionOf(aPage, "timeline");
    // One chunk per flow of the timeline: its title, and whether it is an anonymous line.
    const flows = timeline
      .split('<li class="timeline__flow"')
      .slice(1)
      .map((chunk) => ({
        title: /data-flow="([^"]*)"/.exec(chunk)?.[1],
        anonymous: chunk.includes("another visitor"),
      }));
    // (The visitor's ring buffer keeps its newest 50 events: by now those of the sign-up's confirmation and the sign-in.)
    for (const own of ["POST /verify-email", "POST /login"]) {
      expect(
        flows.filter((flow) => flow.title === own),
        `${own} in ${JSON.stringify(flows)}`,
      ).toEqual([{ title: own, anonymous: false }]);
    }
    // B's first request (before B had a cookie) is someone else's: it is there, anonymous.
    expect(flows).toContainEqual({ title: "GET /", anonymous: true });
  });
});

describe("Server-Timing", () => {
  // A page answered from the guest page cache starts with `cache;desc=hit` (decision 0019): it has no duration.
  const metrics = (header: string) =>
    header
      .split(",")
      .filter((part) => part.trim() !== "cache;desc=hit")
      .map((part) => {
        const match = /^\s*([a-z]+);dur=(\d+(?:\.\d+)?)\s*$/.exec(part);
        expect(match, `metric "${part}" of "${header}"`).not.toBeNull();
        return { name: match?.[1] ?? "", dur: Number(match?.[2]) };
      });

  it("has db, render and total on a document, and db and total on a .data request", () => {
    const documentTiming = a.sent.find((sent) => sent.method === "GET" && sent.path === "/lab")?.serverTiming;
    expect(documentTiming).toBeTruthy();
    const page = metrics(documentTiming ?? "");
    expect(page.map((metric) => metric.name)).toEqual(["db", "render", "total"]);
    const [db, render, total] = page.map((metric) => metric.dur) as [number, number, number];
    expect(db).toBeGreaterThan(0); // the lab's loader reads the chat
    expect(total).toBeGreaterThanOrEqual(render);

    const dataTiming = a.sent.find((sent) => sent.path === "/lab.data")?.serverTiming;
    expect(dataTiming).toBeTruthy();
    const data = metrics(dataTiming ?? "");
    expect(data.map((metric) => metric.name)).toEqual(["db", "total"]);
    expect(data[0]?.dur).toBeGreaterThan(0);
    // The action's document answers (POST /lab) are documents too.
    for (const sent of a.sent.filter((one) => one.method === "POST" && one.path === "/lab"))
      expect(metrics(sent.serverTiming ?? "").map((metric) => metric.name)).toEqual(["db", "render", "total"]);
  });

  it("is absent or well-formed elsewhere (redirects, a resource route, the probe, a static file, the stream)", () => {
    const elsewhere = a.sent.filter(
      (sent) =>
        !(sent.method === "GET" && sent.path === "/lab") &&
        sent.path !== "/lab.data" &&
        !(sent.method === "POST" && sent.path === "/lab"),
    );
    expect(elsewhere.map((sent) => sent.path)).toEqual(
      expect.arrayContaining(["/register", "/chat", "/lab/probe", "/health", "/favicon.svg"]),
    );
    for (const sent of elsewhere) {
      if (sent.serverTiming === null) continue;
      const found = metrics(sent.serverTiming);
      for (const metric of found) {
        expect(["db", "render", "total"], `${sent.method} ${sent.path}: ${sent.serverTiming}`).toContain(metric.name);
        expect(metric.dur).toBeGreaterThanOrEqual(0);
      }
    }
    expect(aStream.headers["server-timing"]).toBeUndefined();
  });
});

describe("concurrent visitors", () => {
  it(
    "each get exactly their own requests' events, while their requests interleave and wait for database connections",
    { timeout: 60_000 },
    async () => {
      bStream.close(); // B's frames were checked above
      const c = createVisitor(server.url, "c");
      const d = createVisitor(server.url, "d");
      await c.send("/");
      await d.send("/");
      const streams = { c: await c.labStream(), d: await d.labStream() };
      const before = { c: c.sent.length, d: d.sent.length };
      const email = (who: string, i: number) => `${who}-${i}-${randomBytes(3).toString("hex")}@example.com`;
      const emails = { c: [] as string[], d: [] as string[] };
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const [who, visitor] = i % 2 === 0 ? (["c", c] as const) : (["d", d] as const);
          const lookup = email(who, i);
          emails[who].push(lookup);
          // As the page's fetcher sends it (a data request: no page to render), each from an address of
          // its own: the lookups' limit per network (abuse-limits.test.ts) is not what this test is about.
          const init = { form: { intent: "database-check", email: lookup }, headers: { "x-forwarded-for": nextIp() } };
          return visitor.send("/lab.data?index", init).then(({ response }) => expect(response.status).toBe(200));
        }),
      );
      const requests = { c: c.sent.slice(before.c), d: d.sent.slice(before.d) };
      for (const who of ["c", "d"] as const) {
        const { stream, requestId: streamId } = streams[who];
        const other = who === "c" ? "d" : "c";
        const own = new Set(requests[who].map((sent) => sent.requestId));
        await stream.waitFor(
          (frames) =>
            [...own].every((id) =>
              tracesOf(frames).some((event) => event.kind === "request.end" && event.requestId === id),
            ),
          30_000,
          `${who}'s 20 request ends`,
        );
        await stream.waitFor((frames) => linesOf(frames).length >= 20, 30_000, `${other}'s 20 lines`);
        const traces = tracesOf(stream.frames);
        for (const event of traces)
          expect(
            event.requestId === streamId || (event.requestId !== null && own.has(event.requestId)),
            `${who} got ${event.kind} ${event.message} of ${event.request} ${event.requestId}`,
          ).toBe(true);
        // Each lookup ran its one statement inside its own request (the viewer's own account only).
        for (const id of own)
          expect(
            traces.filter(
              (event) =>
                event.requestId === id &&
                event.kind === "sql" &&
                / where "email" = \$1 and "id" = \$2$/.test(event.message),
            ),
            id,
          ).toHaveLength(1);
        const text = stream.frames.map((frame) => frame.data).join("\n");
        for (const sent of requests[other])
          expect(text.includes(sent.requestId), `${who}'s stream has ${other}'s request id`).toBe(false);
        for (const lookup of [...emails.c, ...emails.d])
          expect(text.includes(lookup), `${who}'s stream has ${lookup}`).toBe(false);
        expect(sortedKeys(linesOf(stream.frames))).toEqual(sortedKeys(requests[other]));
      }
      streams.c.stream.close();
      streams.d.stream.close();
    },
  );
});
