import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { errorCatalogue, isErrorCode } from "#app/models/errors.ts";
import { createBrowser, formBody, inBatches, newAccount, nextIp, type Browser } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { hostileValues, MB } from "../support/hostile.ts";
import { httpRequest, sendRaw, type RawRequest } from "../support/raw-http.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { startServer, type LogLine, type RunningServer } from "../support/server.ts";

/**
 * Hostile requests, on one database with two servers (the route fuzz's trusts no proxy, the hostile
 * input's trusts loopback to spread its clients over addresses):
 * - the route fuzz: malformed requests of every kind against every route of the build, as a guest
 *   and signed in. The routes come from the built server's route table (`routes`, exported by
 *   server/app.ts), so a route added later is fuzzed without touching this file; its parameters
 *   get hostile values. No answer may be a 5xx or a dropped connection, every JSON error must carry
 *   a catalogue code, and everything under /api must answer errors as JSON.
 * - hostile input: cases that know each form's fields (the account routes, the admin page and the
 *   lab); the answer is a 4xx (or a redirect), never a 500, and nothing reaches the log as an
 *   unhandled route error.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The route fuzz server's body limit (smaller than the default, so the over-the-limit cases stay cheap). */
const MAX_BODY = 64 * 1024;
const ADMIN_EMAIL = "boss@example.com";

let database: TestDatabase;
/** The route fuzz's server: no proxy is trusted, the body limit is MAX_BODY. */
let fuzzServer: RunningServer;
/** The hostile input's server: defaults, but for a trusted loopback proxy and an admin address. */
let server: RunningServer;
/** The route fuzz's signed-in member (an account of its own: the hostile cases have theirs). */
let fuzzCookie: string;
let member: Browser;
let memberAccount: ReturnType<typeof newAccount>;
let memberId: string;
let boss: Browser;
let promotable: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, SESSION_SECRET: randomBytes(64).toString("base64url") };
  [fuzzServer, server] = await Promise.all([
    startServer({ ...env, MAX_BODY_BYTES: String(MAX_BODY) }),
    startServer({ ...env, TRUST_PROXY: "loopback", ADMIN_EMAILS: ADMIN_EMAIL }),
  ]);
  const register = async (account: ReturnType<typeof newAccount>) => {
    const b = createBrowser(server.url);
    await registerAndConfirm(database.db, b, account);
    return b;
  };
  fuzzCookie = (await register(newAccount("fuzz"))).cookie ?? "";
  expect(fuzzCookie).not.toBe("");
  memberAccount = newAccount("member");
  member = await register(memberAccount);
  boss = await register({ ...newAccount("boss"), email: ADMIN_EMAIL });
  await register(newAccount("promotable"));
  // A second device, so the account page has a session to revoke.
  expect(
    (await createBrowser(server.url).post("/login", { email: memberAccount.email, password: memberAccount.password }))
      .status,
  ).toBe(303);
  const ids = await database.db.selectFrom("users").select(["id", "email"]).execute();
  memberId = ids.find((row) => row.email === memberAccount.email)?.id ?? "";
  promotable = ids.find((row) => row.email.startsWith("promotable"))?.id ?? "";
});
afterAll(async () => {
  await Promise.all([fuzzServer?.stop(), server?.stop()]);
  await database?.drop();
});

/**
 * The log lines at level error or above since line `before`, once the instance has logged a request
 * sent after every case: its output keeps order, so whatever the cases caused is in by then.
 */
async function errorLinesSince(instance: RunningServer, before: number): Promise<LogLine[]> {
  const marker = `/health?after-the-cases=${randomUUID()}`;
  expect((await fetch(new URL(marker, instance.url))).status).toBe(200);
  await vi.waitFor(() => expect(instance.logs().some((line) => String(line.msg).includes(marker))).toBe(true));
  return instance
    .logs()
    .slice(before)
    .filter((line) => (line.level ?? 0) >= 50);
}

interface RouteEntry {
  readonly id: string;
  readonly parentId?: string;
  readonly path?: string;
  readonly index?: boolean;
}

/** Every route's full path pattern ("/work/:slug"), from the build's own route table. */
async function routePatterns(): Promise<string[]> {
  const script = `const { routes } = await import("./build/server/index.js");
    process.stdout.write(JSON.stringify(Object.values(routes).map(({ id, parentId, path, index }) => ({ id, parentId, path, index }))));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
  const routes = new Map((JSON.parse(stdout) as RouteEntry[]).map((route) => [route.id, route]));
  const fullPath = (route: RouteEntry | undefined): string =>
    route
      ? [fullPath(route.parentId ? routes.get(route.parentId) : undefined), route.path ?? ""].filter(Boolean).join("/")
      : "";
  return [...new Set([...routes.values()].map((route) => `/${fullPath(route)}`.replace(/\/+/g, "/")))].sort();
}

/** Parameter values no route should choke on, as they appear in a path: a malformed escape, traversal, NUL and markup. */
const paramValues = [
  "%E0%A4%A",
  "..%2F..%2Fetc%2Fpasswd",
  encodeURIComponent(hostileValues.nul ?? ""),
  encodeURIComponent(hostileValues.html ?? ""),
];

/** Concrete paths for a pattern: each parameter (`:slug`, `:id?`, `*`) takes each hostile value. */
function concretePaths(pattern: string): string[] {
  if (!/[:*]/.test(pattern)) return [pattern];
  return paramValues.map((value) => pattern.replace(/:[^/]+|\*/g, value) || "/");
}

interface Case {
  readonly pattern: string;
  readonly who: "guest" | "member";
  readonly name: string;
  readonly path: string;
  readonly request?: RawRequest;
  /** Bytes for the socket: requests node:http would refuse to send. */
  readonly raw?: string;
}

const JSON_TYPE = "application/json";
const FORM = "application/x-www-form-urlencoded";

/** The malformed requests every path gets (`cookie` is the identity's own cookie header, if any). */
function malformed(path: string, host: string, cookie: string | undefined): Omit<Case, "pattern" | "who">[] {
  const withCookie = (headers: Record<string, string> = {}) => ({ ...(cookie ? { cookie } : {}), ...headers });
  const cases: Omit<Case, "pattern" | "who">[] = [];
  const add = (name: string, target: string, request: RawRequest) =>
    cases.push({
      name,
      path: target,
      request: { ...request, headers: withCookie(request.headers as Record<string, string>) },
    });
  const post = (name: string, body: string | Buffer, type: string | undefined, method = "POST") =>
    add(`${method} ${name}`, path, { method, body, headers: type ? { "content-type": type } : {} });

  for (const method of ["GET", "HEAD", "OPTIONS", "PROPFIND", "TRACE", "MKCOL"]) add(method, path, { method });
  for (const method of ["PUT", "PATCH", "DELETE"]) post("with a form", "a=1&b=%E0%A4%A", FORM, method);
  // Query strings.
  for (const [name, query] of [
    ["lone percent", "%"],
    ["bad escapes", "a=%E0%A4%A&b=%zz&%=%"],
    ["NUL", "%00=%00&next=%00"],
    ["prototype keys", "__proto__[x]=1&constructor[prototype][y]=1&toString=1"],
    ["arrays", "a[]=1&a[b]=2&tab[]=x&room[]=y"],
    ["open redirects", "next=%2F%2Fevil.example&redirectTo=https%3A%2F%2Fevil.example&done=%0d%0aSet-Cookie:x"],
    ["domain-ish values", "tab=not-a-uuid&room=%F0%9F%98%80&after=-1&before=abc&q=%25%5F&page=1e309&cursor=%FF"],
    ["1,500 parameters", "q=x&".repeat(1500)],
    ["20 kB (past Node's header limit)", `q=${"a".repeat(20_000)}`],
  ] as const)
    add(`GET ?${name}`, `${path}?${query}`, {});
  // The path itself.
  const under = path.replace(/\/$/, "");
  for (const [name, target] of [
    ["trailing lone percent", `${path}%`],
    ["bad escape segment", `${under}/%E0%A4%A`],
    ["NUL", `${path}%00`],
    ["encoded line break", `${under}/a%0D%0Ab`],
    ["dot segments", `${under}/..%2F..%2F..%2Fetc%2Fpasswd`],
    ["trailing slash", `${under}/`],
    ["data request", `${path === "/" ? "/_root" : path}.data`],
    ["data request, bad routes", `${path === "/" ? "/_root" : path}.data?_routes=%00,root,nope`],
  ] as const) {
    add(`GET ${name}`, target, {});
    add(`POST ${name}`, target, { method: "POST", body: "a=1", headers: { "content-type": FORM } });
  }
  // Bodies.
  post("broken JSON", '{"email": "a@example.com", "password": ', JSON_TYPE);
  post("JSON of the wrong shape", '[null, 1, "x", {"__proto__": {"admin": true}}]', JSON_TYPE);
  post("deeply nested JSON", `${"[".repeat(5000)}${"]".repeat(5000)}`, JSON_TYPE);
  post("JSON with a form type", '{"intent": "x"}', FORM);
  post("form with broken escapes", "intent=%E0%A4%A&%zz=%&a", FORM);
  post("empty JSON", "", JSON_TYPE);
  post("binary", randomBytes(4096), "application/octet-stream");
  post("binary claiming to be a form", randomBytes(4096), FORM);
  post(
    "XML",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "application/xml",
  );
  post(
    "multipart without a boundary",
    '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
    "multipart/form-data",
  );
  post(
    "multipart, unterminated",
    '--b\r\nContent-Disposition: form-data; name="intent"\r\n\r\nunterminated',
    "multipart/form-data; boundary=b",
  );
  post("a content type of garbage", "a=1", ";;;/=\u00ff");
  post("no content type", "a=1", undefined);
  post("over the body limit", "a=".padEnd(MAX_BODY + 1, "x"), FORM);
  post("over the body limit, as JSON", `"${"x".repeat(MAX_BODY)}"`, JSON_TYPE);
  // Headers.
  for (const [name, headers] of [
    ["API client", { accept: JSON_TYPE }],
    ["garbage Accept", { accept: "*/*;q=foo,,;;text/html;level=" }],
    ["garbage Accept-Encoding", { "accept-encoding": "br;q=x, gzip;q=-1, *;q=2" }],
    ["garbage Range", { range: "bytes=abc-,-,99999999999999999999-" }],
    ["garbage conditionals", { "if-none-match": '"', "if-modified-since": "yesterday" }],
    ["garbage Last-Event-ID", { "last-event-id": "-1\u00ff" }],
    ["garbage forwarded-for", { "x-forwarded-for": "not-an-ip, <script>", "x-forwarded-host": "evil.example:99999" }],
    ["foreign Host", { host: "evil.example" }],
    ["Origin null on a read", { origin: "null" }],
  ] as const)
    add(`GET with ${name}`, path, { headers });
  add("POST from another site", path, {
    method: "POST",
    body: "a=1",
    headers: { "content-type": FORM, origin: "https://evil.example" },
  });
  add("POST from Origin null", path, {
    method: "POST",
    body: "a=1",
    headers: { "content-type": FORM, origin: "null" },
  });
  add("POST with a malformed Origin", path, {
    method: "POST",
    body: "a=1",
    headers: { "content-type": FORM, origin: "http://[::1" },
  });
  // Cookies replace the identity's own (a tampered or garbage session is a guest).
  for (const [name, value] of [
    ["bad session escapes", "glassbox_session=%E0%A4%A; glassbox_visitor=%zz"],
    [
      "forged session",
      `glassbox_session=${encodeURIComponent(`${Buffer.from(JSON.stringify(randomUUID())).toString("base64")}.forged`)}`,
    ],
    ["repeated and empty cookies", "glassbox_session=; glassbox_session=a; =; ;;; glassbox_visitor"],
    ["8 kB cookie", `glassbox_session=${"A".repeat(8000)}`],
  ] as const) {
    cases.push({ name: `GET with ${name}`, path, request: { headers: { cookie: value } } });
    cases.push({
      name: `POST with ${name}`,
      path,
      request: { method: "POST", body: "a=1", headers: { cookie: value, "content-type": FORM } },
    });
  }
  // Requests node:http would not send.
  const head = (extra: string) =>
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${cookie ? `Cookie: ${cookie}\r\n` : ""}${extra}`;
  for (const [name, raw] of [
    ["non-numeric Content-Length", head("Content-Length: abc\r\n\r\n")],
    ["two Content-Lengths", head("Content-Length: 1\r\nContent-Length: 2\r\n\r\nab")],
    ["Content-Length and chunked", head("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")],
    ["invalid header name", head("Bad Header: x\r\nContent-Length: 0\r\n\r\n")],
    ["control characters in the target", `GET ${path}\u0001\u007f HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
  ] as const)
    cases.push({ name: `raw: ${name}`, path, raw });
  return cases;
}

type Outcome = { readonly status: number; readonly type: string; readonly body: string } | { readonly error: string };

describe("route fuzz", () => {
  let patterns: string[];
  let results: { one: Case; outcome: Outcome }[];
  let errorLines: LogLine[];

  beforeAll(async () => {
    patterns = await routePatterns();
    const url = new URL(fuzzServer.url);
    const cases: Case[] = [];
    for (const pattern of patterns) {
      for (const path of concretePaths(pattern)) {
        for (const who of ["guest", "member"] as const) {
          for (const one of malformed(path, url.host, who === "member" ? fuzzCookie : undefined)) {
            // Signing out ends the session every member case shares: guests fuzz it.
            if (
              who === "member" &&
              pattern === "/logout" &&
              one.request?.method !== undefined &&
              one.request.method !== "GET"
            )
              continue;
            cases.push({ ...one, pattern, who });
          }
        }
      }
    }
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const before = fuzzServer.logs().length;
    results = await inBatches(
      cases.map((one) => async () => ({ one, outcome: await send(url, one, agent) })),
      8,
    );
    agent.destroy();
    errorLines = await errorLinesSince(fuzzServer, before);
  }, 300_000);

  it("sends at least 2,000 malformed requests, covering every route of the build", () => {
    expect(results.length).toBeGreaterThanOrEqual(2000);
    expect(patterns).toEqual(expect.arrayContaining(["/", "/login", "/api/v0/me", "/api/*", "/work/:slug", "/events"]));
    const covered = new Set(results.map(({ one }) => one.pattern));
    expect([...covered].sort()).toEqual([...patterns].sort());
    const who = new Set(results.map(({ one }) => one.who));
    expect(who).toEqual(new Set(["guest", "member"]));
  });

  it("answers every one without a 5xx or a dropped connection", () => {
    const failures = results
      .filter(({ outcome }) => "error" in outcome || outcome.status >= 500 || outcome.status === 0)
      .map(
        ({ one, outcome }) =>
          `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${"error" in outcome ? outcome.error : `${outcome.status} ${outcome.body.slice(0, 200)}`}`,
      );
    expect(failures).toEqual([]);
  });

  it("gives every JSON error a catalogue code with its status", () => {
    const jsonErrors = results.flatMap(({ one, outcome }) =>
      "status" in outcome && outcome.status >= 400 && outcome.type.startsWith(JSON_TYPE) ? [{ one, outcome }] : [],
    );
    expect(jsonErrors.length).toBeGreaterThan(500);
    const bad = jsonErrors
      .filter(({ one, outcome }) => {
        if (one.request?.method === "HEAD") return false; // no body to check
        const problem = parse(outcome.body);
        return (
          !isErrorCode(problem?.code) ||
          problem.status !== outcome.status ||
          errorCatalogue[problem.code].status !== outcome.status
        );
      })
      .map(
        ({ one, outcome }) =>
          `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${outcome.status} ${outcome.body.slice(0, 160)}`,
      );
    expect(bad).toEqual([]);
  });

  it("answers every error under /api as JSON, never an HTML page", () => {
    // React Router's data requests (`.data`, its own turbo-stream transport for client navigations) are not the API.
    const html = results
      .filter(
        ({ one, outcome }) =>
          one.path.startsWith("/api/") &&
          !new URL(one.path, fuzzServer.url).pathname.endsWith(".data") &&
          "status" in outcome &&
          outcome.status >= 400 &&
          !outcome.type.startsWith(JSON_TYPE),
      )
      .filter(({ one }) => one.request?.method !== "HEAD")
      .map(
        ({ one, outcome }) =>
          `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${"status" in outcome ? `${outcome.status} ${outcome.type}` : ""}`,
      );
    expect(html).toEqual([]);
  });

  it("logs nothing at level error or above", () => {
    const summary = (line: LogLine) =>
      `${line.msg} ${JSON.stringify((line.err as { message?: string } | undefined)?.message ?? "")} ${JSON.stringify(line.req ?? "")}`;
    expect(errorLines.map(summary)).toEqual([]);
  });

  it("leaves the signed-in member signed in", async () => {
    expect((await createBrowser(fuzzServer.url, { cookie: fuzzCookie }).get("/api/v0/me")).status).toBe(200);
  });
});

async function send(url: URL, one: Case, agent: Agent): Promise<Outcome> {
  try {
    if (one.raw !== undefined) {
      const text = await sendRaw(url, one.raw);
      const [head = "", body = ""] = text.split(/\r\n\r\n(.*)/s);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      return { status, type: /\r\ncontent-type: ([^\r\n]*)/i.exec(head)?.[1] ?? "", body };
    }
    const answer = await httpRequest(new URL(one.path, url), { ...one.request, agent }).answer;
    return { status: answer.status, type: answer.headers["content-type"] ?? "", body: answer.body };
  } catch (error) {
    return { error: String(error) };
  }
}

function parse(body: string): { code?: unknown; status?: unknown } | undefined {
  try {
    return JSON.parse(body) as { code?: unknown; status?: unknown };
  } catch {
    return undefined;
  }
}

type Who = "guest" | "member" | "admin";

/** A hostile-input case: a request that knows the route's form fields. */
interface FormCase {
  readonly name: string;
  readonly who: Who;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Blob | FormData;
  /** Content-Type to send; none when unset (FormData sets its own). */
  readonly type?: string | null;
  readonly headers?: Record<string, string>;
}

/** Raw urlencoded bodies a form encoder would never produce. */
const rawBodies = (fields: readonly string[]): Record<string, string> => ({
  "invalid UTF-8 escapes": fields.map((field) => `${field}=%E0%A4%A`).join("&"),
  "overlong and stray escapes": fields.map((field) => `${field}=%C0%AF%%%zz%FF%FE`).join("&"),
  "NUL escapes": fields.map((field) => `${field}=%00%00`).join("&"),
  "escaped names": fields
    .map((field) => `${encodeURIComponent(field).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)}=%F0%9F%98%80`)
    .join("&"),
  "repeated fields": fields.map((field) => `${field}=first&${field}=second&${field}=`).join("&"),
  "array fields": fields.map((field) => `${field}[]=a&${field}[]=b&${field}[x]=c`).join("&"),
  "names only": fields.join("&"),
  "only separators": "&&&===&=&",
  "1 MB of one field": `${fields[0]}=${MB}`,
  "10k empty fields": "a=&".repeat(10_000),
  "JSON with a form type": JSON.stringify(Object.fromEntries(fields.map((field) => [field, "x"]))),
});

const multipartWithFile = (fields: readonly string[]) => {
  const form = new FormData();
  for (const [index, field] of fields.entries()) {
    if (index === 0)
      form.append(field, new Blob([randomBytes(2048)], { type: "application/octet-stream" }), "payload.bin");
    else form.append(field, new File(["<svg onload=alert(1)>"], "x.svg", { type: "image/svg+xml" }));
  }
  return form;
};

/** The same body-level attacks against any form action; `baseline` gives each case otherwise valid fields. */
function bodyCases(
  who: Who,
  path: string,
  fields: readonly string[],
  baseline: () => Record<string, string>,
): FormCase[] {
  const cases: FormCase[] = [];
  const valid = baseline();
  const post = (name: string, body: FormCase["body"], type: string | null = FORM, headers?: Record<string, string>) =>
    cases.push({ name: `${path} ${name}`, who, method: "POST", path, body, type, headers });
  for (const [name, value] of Object.entries(hostileValues)) {
    for (const field of fields) post(`${field}: ${name}`, formBody({ ...baseline(), [field]: value }));
  }
  for (const [name, body] of Object.entries(rawBodies(fields))) post(name, body);
  post("missing every field", "");
  post("no body, form type", undefined);
  post("no body, no type", undefined, null);
  post("form body as JSON", formBody(valid), "application/json");
  post("JSON body as JSON", JSON.stringify(valid), "application/json");
  post(
    "text/plain body",
    Object.entries(valid)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
    "text/plain",
  );
  post("multipart with files for fields", multipartWithFile(fields), null);
  post(
    "multipart without a boundary",
    '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
    "multipart/form-data",
  );
  post(
    "multipart, broken",
    '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nunterminated',
    "multipart/form-data; boundary=b",
  );
  post("binary garbage as a form", new Blob([randomBytes(4096)]));
  post("gzip claimed, plain sent", formBody(valid), FORM, { "content-encoding": "gzip" });
  post("utf-16 charset claimed", formBody(valid), `${FORM}; charset=utf-16`);
  return cases;
}

function allCases(): FormCase[] {
  const longNext = `/${"a/".repeat(60_000)}`;
  const unknownEmail = `nobody-${randomUUID()}@example.com`;
  const cases: FormCase[] = [
    // A new account each time, so a hostile `next` or password goes all the way to a sign-in.
    ...bodyCases("guest", "/register", ["username", "email", "password", "next"], () => ({
      ...newAccount("hostile"),
      next: "/account",
    })),
    ...bodyCases("guest", "/login", ["email", "password", "next"], () => ({
      email: unknownEmail,
      password: "wrong password",
      next: "/account",
    })),
    ...bodyCases("member", "/account", ["intent", "session", "currentPassword", "newPassword"], () => ({
      intent: "change-password",
      session: "A".repeat(22),
      currentPassword: "not the password",
      newPassword: "a long enough new password",
    })),
    ...bodyCases("admin", "/admin", ["userId"], () => ({ userId: randomUUID() })),
    ...bodyCases("member", "/lab?index", ["intent", "rule", "input", "email"], () => ({
      intent: "boundary-check",
      rule: "username",
      input: "ada",
      email: unknownEmail,
    })),
  ];
  const add = (who: Who, method: string, path: string, body?: string, headers?: Record<string, string>) =>
    cases.push({
      name: `${who} ${method} ${path.slice(0, 80)}${body ? ` ${body.slice(0, 60)}` : ""}`,
      who,
      method,
      path,
      body,
      type: body === undefined ? undefined : FORM,
      headers,
    });

  // Every intent of the account page, with values that are nearly right.
  for (const intent of [
    "revoke-session",
    "sign-out-others",
    "change-password",
    "REVOKE-SESSION",
    "revoke-session ",
    "",
    "__proto__",
    "constructor",
    "toString",
  ]) {
    add("member", "POST", "/account", formBody({ intent }));
    add(
      "member",
      "POST",
      "/account",
      formBody({ intent, session: "A".repeat(22), currentPassword: "x", newPassword: "short" }),
    );
  }
  for (const session of [
    "",
    "short",
    "A".repeat(21),
    "A".repeat(23),
    "!".repeat(22),
    "../../etc/passwd.......",
    "A".repeat(22),
    "%".repeat(22),
    "\u0000".repeat(22),
  ]) {
    add("member", "POST", "/account", formBody({ intent: "revoke-session", session }));
  }
  // Ids that are not uuids (or are, but of nobody), and the admin's own.
  for (const userId of [
    "not-a-uuid",
    "",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    randomUUID().toUpperCase(),
    `${randomUUID()}x`,
    `{${randomUUID()}}`,
    randomUUID().replace(/-/g, ""),
    "1; DROP TABLE users",
    "12345678-1234-0234-8234-123456789012",
    promotable,
    promotable,
  ]) {
    add("admin", "POST", "/admin", formBody({ userId }));
  }
  add("member", "POST", "/admin", formBody({ userId: memberId }));
  add("guest", "POST", "/admin", formBody({ userId: memberId }));
  // Searches, `next`, `done` and odd paths.
  for (const q of [
    "%00",
    "%E0%A4%A",
    "%25",
    "_",
    "%5C",
    encodeURIComponent("' OR 1=1 --"),
    encodeURIComponent("<b>x</b>"),
    "a".repeat(5000),
    encodeURIComponent("😀"),
    "x&q=y&q[]=z",
  ]) {
    add("admin", "GET", `/admin?q=${q}`);
  }
  for (const next of [
    "%E0%A4%A",
    "%00",
    encodeURIComponent(longNext.slice(0, 3000)),
    "%2F%2Fevil.example",
    "%2F%0D%0ASet-Cookie:%20x=1",
    "javascript:alert(1)",
    encodeURIComponent("/\u202Eevil"),
  ]) {
    add("guest", "GET", `/login?next=${next}`);
    add("guest", "GET", `/register?next=${next}`);
    add("member", "GET", `/login?next=${next}`);
  }
  add("guest", "POST", "/login", formBody({ email: memberAccount.email, password: "wrong", next: longNext }));
  add("guest", "POST", "/register", formBody({ ...newAccount("longnext"), next: longNext }));
  for (const done of ["%E0%A4%A", "%00", "__proto__", "password-changed&done=x"])
    add("member", "GET", `/account?done=${done}`);
  for (const path of [
    "/account%00",
    "/login/%E0%A4%A",
    "/%E0%A4%A",
    "/admin/..%2F..%2Fetc%2Fpasswd",
    "/api/v0/me%00",
    "/api/v0/me?x=%E0%A4%A",
  ])
    add("guest", "GET", path);
  // The lab's widgets with values that are nearly right (never a valid burst: each would send 100+ requests).
  for (const size of ["", "abc", "99", "5001", "150", "1e3", "1000.5", "-100", "Infinity", "0x3e8"])
    add("guest", "POST", "/lab?index", formBody({ intent: "burst", size }));
  for (const delta of ["", "NaN", "1e309", "101", "-101", "0.5", "1; DROP TABLE users"])
    add("guest", "POST", "/lab?index", formBody({ intent: "step", delta }));
  for (const tab of ["not-a-uuid", "", randomUUID().toUpperCase(), `${randomUUID()}x`, randomUUID()]) {
    add("guest", "POST", "/lab?index", formBody({ intent: "step", delta: "1", tab }));
    add("guest", "POST", "/lab?index", formBody({ intent: "guarded", tab }));
  }
  for (const intent of ["", "BURST", "__proto__", "constructor", "auth-status ", "step\u0000"])
    add("guest", "POST", "/lab?index", formBody({ intent }));
  for (const query of ["filter=%E0%A4%A", "done=__proto__", "filter=" + "a".repeat(5000), "done=%00"])
    add("guest", "GET", `/lab?${query}`);
  for (const trace of ["-1", "abc", "1e400", "9007199254740993", "%00"])
    add("guest", "GET", `/events?tab=${randomUUID()}&lab=1&trace=${trace}`);
  for (const probe of ["/lab/probe?x=%E0%A4%A", "/lab/probe/%00"]) add("guest", "GET", probe);
  // Other methods on the same routes.
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    for (const path of ["/login", "/register", "/account", "/admin", "/logout", "/api/v0/me"])
      add(path === "/account" ? "member" : "guest", method, path, formBody({ intent: "sign-out-others" }));
  }
  add("member", "POST", "/api/v0/me", formBody({ role: "admin" }));
  add("guest", "HEAD", "/account");
  add("member", "OPTIONS", "/account");
  // Sign-out attempts carrying garbage (as a guest, so the member's session survives the batch).
  for (const body of [undefined, "", "%E0%A4%A", MB.slice(0, 100_000)]) add("guest", "POST", "/logout", body);
  // Cookies and headers.
  const cookies = [
    "glassbox_visitor=%E0%A4%A",
    `glassbox_visitor=${"A".repeat(4000)}`,
    "glassbox_visitor=../../etc/passwd; glassbox_visitor=x",
    "glassbox_session=%E0%A4%A",
    "glassbox_session=",
    `glassbox_session=${"A".repeat(4000)}`,
    'glassbox_session="unterminated',
    "glassbox_session=e30%3D.AAAA",
    `glassbox_session=${encodeURIComponent(`${Buffer.from(JSON.stringify({ userId: randomUUID() })).toString("base64")}.sig`)}`,
    `glassbox_session=${encodeURIComponent(`${Buffer.from("\u0000\u0001").toString("base64")}.`)}`,
    "glassbox_session=a; glassbox_session=b; glassbox_session=c",
    "=; ; ;;; glassbox_session",
  ];
  for (const cookie of cookies) {
    add("guest", "GET", "/api/v0/me", undefined, { cookie });
    add("guest", "GET", "/account", undefined, { cookie });
    add("guest", "POST", "/logout", "", { cookie });
  }
  for (const forwarded of ["not-an-ip", "1.2.3.4, <script>", "::1", "999.999.999.999", "", `${"f".repeat(60)}:1`]) {
    add("guest", "POST", "/login", formBody({ email: unknownEmail, password: "x" }), { "x-forwarded-for": forwarded });
  }
  for (const userAgent of ["", "x".repeat(8000), "Mozilla/5.0 ÿþ ®", "<script>alert(1)</script>"]) {
    add("guest", "POST", "/login", formBody({ email: `ua-${randomUUID()}@example.com`, password: "x" }), {
      "user-agent": userAgent,
    });
    add("member", "GET", "/account", undefined, { "user-agent": userAgent });
  }
  return cases;
}

async function run(one: FormCase): Promise<{ status: number } | { error: string }> {
  const b = one.who === "member" ? member : one.who === "admin" ? boss : undefined;
  const client = createBrowser(server.url, { cookie: b?.cookie, ip: nextIp() });
  if (b) client.userAgent = b.userAgent;
  const headers: Record<string, string> = { ...one.headers };
  if (one.type) headers["content-type"] = one.type;
  try {
    const response = await client.send(one.path, { method: one.method, body: one.body, headers });
    await response.arrayBuffer();
    // No case may replace a shared session's cookie (a password change would, a sign-out would clear it).
    if (b && client.cookie !== b.cookie)
      return { error: `changed the ${one.who}'s session cookie (status ${response.status})` };
    return { status: response.status };
  } catch (error) {
    return { error: String(error) };
  }
}

describe("hostile input", () => {
  let results: { one: FormCase; result: Awaited<ReturnType<typeof run>> }[];
  let errorLines: LogLine[];

  beforeAll(async () => {
    const cases = allCases();
    const before = server.logs().length;
    results = await inBatches(
      cases.map((one) => async () => ({ one, result: await run(one) })),
      8,
    );
    errorLines = await errorLinesSince(server, before);
  }, 180_000); // a shared 2-core machine under load takes well over a minute

  it("sends at least 150 requests across the account routes", () => {
    expect(results.length).toBeGreaterThanOrEqual(150);
    const paths = new Set(results.map(({ one }) => new URL(one.path, "http://x").pathname));
    for (const path of ["/register", "/login", "/logout", "/account", "/admin", "/api/v0/me"])
      expect(paths).toContain(path);
  });

  it("answers every one without a 5xx or a dropped connection", () => {
    const failures = results
      .filter(({ result }) => "error" in result || result.status >= 500)
      .map(({ one, result }) => `${one.name}: ${"error" in result ? result.error : result.status}`);
    expect(failures).toEqual([]);
  });

  it("logs no unhandled route error, nor anything else at level error or above", () => {
    const summary = (line: LogLine) =>
      `${line.level} ${line.msg} ${JSON.stringify((line.err as { message?: string } | undefined)?.message ?? "")} ${JSON.stringify(line.req ?? "")}`;
    expect(errorLines.filter((line) => line.msg === "unhandled error in a route").map(summary)).toEqual([]);
    expect(errorLines.map(summary)).toEqual([]);
  });

  it("reached the handlers: the answers are the expected client errors, not blanket refusals", () => {
    const statuses = (path: string, who?: Who) =>
      new Set(
        results
          .filter(({ one }) => one.path === path && one.method === "POST" && (!who || one.who === who))
          .map(({ result }) => ("status" in result ? result.status : 0)),
      );
    // 413: the 1 MB values, refused by the body limit before any handler (MAX_BODY_BYTES, 1 MiB).
    expect([...statuses("/login")].every((status) => [303, 400, 401, 413, 429].includes(status))).toBe(true);
    expect(statuses("/login")).toContain(400);
    expect(statuses("/login")).toContain(401);
    expect(statuses("/login")).toContain(413);
    expect([...statuses("/register")].every((status) => [303, 400, 409, 413].includes(status))).toBe(true);
    expect([...statuses("/account", "member")].every((status) => [303, 400, 404, 413, 429].includes(status))).toBe(
      true,
    );
    expect([...statuses("/admin", "admin")].every((status) => [303, 400, 404, 409, 413].includes(status))).toBe(true);
  });

  it("leaves the shared sessions and the data intact", async () => {
    expect((await member.get("/api/v0/me")).status).toBe(200);
    expect((await boss.get("/api/v0/me")).status).toBe(200);
    expect((await member.get("/health")).status).toBe(200);
    const users = await database.db.selectFrom("users").select(["username", "email", "role"]).execute();
    for (const user of users) {
      expect(user.username).toMatch(/^[a-z0-9_]{3,20}$/);
      expect(user.email).not.toMatch(/[<>"\s]/);
      expect(user.email).not.toContain("\u0000");
    }
    expect(users.find((user) => user.email === memberAccount.email)?.role).toBe("member");
    expect(users.find((user) => user.email === ADMIN_EMAIL)?.role).toBe("admin");
  });
});

describe("hostile input, one at a time", () => {
  it("escapes markup that is echoed back into a form", async () => {
    const markup = "<script>alert(1)</script>";
    const response = await createBrowser(server.url).post("/register", {
      username: markup,
      email: `${markup}@example.com`,
      password: "short",
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).not.toContain(markup);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("treats LIKE wildcards in the admin search as text", async () => {
    const found = async (q: string) => {
      const response = await boss.get(`/admin?q=${encodeURIComponent(q)}`);
      expect(response.status, q).toBe(200);
      return /<ul class="account-list">(.*?)<\/ul>/s.exec(await response.text())?.[1] ?? "(no account list)";
    };
    for (const q of ["%", "_", "\\", "%member%", "' or ''='"]) expect(await found(q), q).toBe("");
    expect(await found(memberAccount.username.slice(0, 4))).toContain(memberAccount.username);
  });

  it("answers an admin search containing NUL with a 4xx or the page, not a 500", async () => {
    const response = await boss.get("/admin?q=a%00b");
    expect(response.status).toBeLessThan(500);
  });

  it("refuses a forwarded host no URL can carry (trusted proxy) with the catalogue 400, on pages and forms alike", async () => {
    for (const path of ["/writing/new", "/login", "/api/v0/me"]) {
      const response = await fetch(new URL(path, server.url), {
        headers: { "x-forwarded-host": "evil.example:99999", accept: "application/json" },
      });
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, code: "http:bad_request" });
    }
    const fine = await fetch(new URL("/login", server.url), {
      headers: { "x-forwarded-host": "glassbox.example:8443" },
    });
    expect(fine.status).toBe(200);
  });

  it("answers a sign-in from an over-long forwarded address (trusted proxy) without a 500", async () => {
    // With TRUST_PROXY the forwarded address becomes the client address, used as a throttle key.
    const b = createBrowser(server.url, { ip: randomBytes(2000).toString("hex") });
    const response = await b.post("/login", {
      email: `long-ip-${randomUUID()}@example.com`,
      password: "wrong password",
    });
    expect(response.status).toBeLessThan(500);
  });
});
