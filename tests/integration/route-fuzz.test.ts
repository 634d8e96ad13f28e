import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCatalogue, isErrorCode } from "../../app/models/errors.ts";
import { createBrowser, inBatches, newAccount } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { hostileValues } from "../support/hostile.ts";
import { httpRequest, sendRaw, type RawRequest } from "../support/raw-http.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { startServer, type LogLine, type RunningServer } from "../support/server.ts";

/**
 * The route fuzz: malformed requests of every kind against every route of the build, as a guest
 * and signed in. The routes come from the built server's route table (`routes`, exported by
 * server/app.ts), so a route added later is fuzzed without touching this file; its parameters
 * get hostile values. No answer may be a 5xx or a dropped connection, every JSON error must carry
 * a catalogue code, and everything under /api must answer errors as JSON.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The server's body limit here (smaller than the default, so the over-the-limit cases stay cheap). */
const MAX_BODY = 64 * 1024;

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
    route ? [fullPath(route.parentId ? routes.get(route.parentId) : undefined), route.path ?? ""].filter(Boolean).join("/") : "";
  return [...new Set([...routes.values()].map((route) => `/${fullPath(route)}`.replace(/\/+/g, "/")))].sort();
}

/** Parameter values no route should choke on, as they appear in a path: a malformed escape, traversal, NUL and markup. */
const paramValues = ["%E0%A4%A", "..%2F..%2Fetc%2Fpasswd", encodeURIComponent(hostileValues.nul ?? ""), encodeURIComponent(hostileValues.html ?? "")];

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
  const add = (name: string, target: string, request: RawRequest) => cases.push({ name, path: target, request: { ...request, headers: withCookie(request.headers as Record<string, string>) } });
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
  ] as const) add(`GET ?${name}`, `${path}?${query}`, {});
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
  post("XML", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "application/xml");
  post("multipart without a boundary", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n", "multipart/form-data");
  post("multipart, unterminated", '--b\r\nContent-Disposition: form-data; name="intent"\r\n\r\nunterminated', "multipart/form-data; boundary=b");
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
  ] as const) add(`GET with ${name}`, path, { headers });
  add("POST from another site", path, { method: "POST", body: "a=1", headers: { "content-type": FORM, origin: "https://evil.example" } });
  add("POST from Origin null", path, { method: "POST", body: "a=1", headers: { "content-type": FORM, origin: "null" } });
  add("POST with a malformed Origin", path, { method: "POST", body: "a=1", headers: { "content-type": FORM, origin: "http://[::1" } });
  // Cookies replace the identity's own (a tampered or garbage session is a guest).
  for (const [name, value] of [
    ["bad session escapes", "glassbox_session=%E0%A4%A; glassbox_visitor=%zz"],
    ["forged session", `glassbox_session=${encodeURIComponent(`${Buffer.from(JSON.stringify(randomUUID())).toString("base64")}.forged`)}`],
    ["repeated and empty cookies", "glassbox_session=; glassbox_session=a; =; ;;; glassbox_visitor"],
    ["8 kB cookie", `glassbox_session=${"A".repeat(8000)}`],
  ] as const) {
    cases.push({ name: `GET with ${name}`, path, request: { headers: { cookie: value } } });
    cases.push({ name: `POST with ${name}`, path, request: { method: "POST", body: "a=1", headers: { cookie: value, "content-type": FORM } } });
  }
  // Requests node:http would not send.
  const head = (extra: string) => `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${cookie ? `Cookie: ${cookie}\r\n` : ""}${extra}`;
  for (const [name, raw] of [
    ["non-numeric Content-Length", head("Content-Length: abc\r\n\r\n")],
    ["two Content-Lengths", head("Content-Length: 1\r\nContent-Length: 2\r\n\r\nab")],
    ["Content-Length and chunked", head("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")],
    ["invalid header name", head("Bad Header: x\r\nContent-Length: 0\r\n\r\n")],
    ["control characters in the target", `GET ${path}\u0001\u007f HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
  ] as const) cases.push({ name: `raw: ${name}`, path, raw });
  return cases;
}

let database: TestDatabase;
let server: RunningServer;
let memberCookie: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url, SESSION_SECRET: randomBytes(64).toString("base64url"), MAX_BODY_BYTES: String(MAX_BODY) });
  const member = createBrowser(server.url);
  await registerAndConfirm(database.db, member, newAccount("fuzz"));
  memberCookie = member.cookie ?? "";
  expect(memberCookie).not.toBe("");
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

type Outcome = { readonly status: number; readonly type: string; readonly body: string } | { readonly error: string };

describe("route fuzz", () => {
  let patterns: string[];
  let results: { one: Case; outcome: Outcome }[];
  let errorLines: LogLine[];

  beforeAll(async () => {
    patterns = await routePatterns();
    const url = new URL(server.url);
    const cases: Case[] = [];
    for (const pattern of patterns) {
      for (const path of concretePaths(pattern)) {
        for (const who of ["guest", "member"] as const) {
          for (const one of malformed(path, url.host, who === "member" ? memberCookie : undefined)) {
            // Signing out ends the session every member case shares: guests fuzz it.
            if (who === "member" && pattern === "/logout" && one.request?.method !== undefined && one.request.method !== "GET") continue;
            cases.push({ ...one, pattern, who });
          }
        }
      }
    }
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const before = server.logs().length;
    results = await inBatches(
      cases.map((one) => async () => ({ one, outcome: await send(url, one, agent) })),
      8,
    );
    agent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last log lines
    errorLines = server.logs().slice(before).filter((line) => (line.level ?? 0) >= 50);
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
      .map(({ one, outcome }) => `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${"error" in outcome ? outcome.error : `${outcome.status} ${outcome.body.slice(0, 200)}`}`);
    expect(failures).toEqual([]);
  });

  it("gives every JSON error a catalogue code with its status", () => {
    const jsonErrors = results.flatMap(({ one, outcome }) => ("status" in outcome && outcome.status >= 400 && outcome.type.startsWith(JSON_TYPE) ? [{ one, outcome }] : []));
    expect(jsonErrors.length).toBeGreaterThan(500);
    const bad = jsonErrors
      .filter(({ one, outcome }) => {
        if (one.request?.method === "HEAD") return false; // no body to check
        const problem = parse(outcome.body);
        return !isErrorCode(problem?.code) || problem.status !== outcome.status || errorCatalogue[problem.code].status !== outcome.status;
      })
      .map(({ one, outcome }) => `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${outcome.status} ${outcome.body.slice(0, 160)}`);
    expect(bad).toEqual([]);
  });

  it("answers every error under /api as JSON, never an HTML page", () => {
    // React Router's data requests (`.data`, its own turbo-stream transport for client navigations) are not the API.
    const html = results
      .filter(({ one, outcome }) => one.path.startsWith("/api/") && !new URL(one.path, server.url).pathname.endsWith(".data") && "status" in outcome && outcome.status >= 400 && !outcome.type.startsWith(JSON_TYPE))
      .filter(({ one }) => one.request?.method !== "HEAD")
      .map(({ one, outcome }) => `${one.who} ${one.name} ${one.path.slice(0, 80)}: ${"status" in outcome ? `${outcome.status} ${outcome.type}` : ""}`);
    expect(html).toEqual([]);
  });

  it("logs nothing at level error or above", () => {
    const summary = (line: LogLine) => `${line.msg} ${JSON.stringify((line.err as { message?: string } | undefined)?.message ?? "")} ${JSON.stringify(line.req ?? "")}`;
    expect(errorLines.map(summary)).toEqual([]);
  });

  it("leaves the signed-in member signed in", async () => {
    expect((await createBrowser(server.url, { cookie: memberCookie }).get("/api/v0/me")).status).toBe(200);
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
