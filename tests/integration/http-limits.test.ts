import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCatalogue, type ErrorCode } from "#app/models/errors.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { httpRequest, sendRaw } from "../support/raw-http.ts";
import { openSse } from "../support/sse-client.ts";

/**
 * The stability limits (concurrency cap, request timeout, body size), CORS for /api and the
 * cross-site refusal, through HTTP against the built server with small limits.
 */
const CAP = 4;
const TIMEOUT_MS = 2500;
const MAX_BODY = 4096;
const ALLOWED = "https://app.example";
const UNLISTED = "https://evil.example";

let database: TestDatabase;
let server: RunningServer;
let origin: URL;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    MAX_CONCURRENT_REQUESTS: String(CAP),
    REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    MAX_BODY_BYTES: String(MAX_BODY),
    CORS_ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:5173`,
  });
  origin = new URL(server.url);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/**
 * A POST whose headers promise `declaredBytes` of body but which sends only `sentBody`: the server
 * is left waiting for the rest (a slow client), or refuses it unread.
 */
function partialRequest(
  path: string,
  {
    declaredBytes,
    sentBody,
    headers = {},
  }: { declaredBytes: number; sentBody?: string; headers?: Record<string, string> },
) {
  const { answer, request } = httpRequest(new URL(path, origin), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(declaredBytes),
      ...headers,
    },
    body: sentBody,
    finish: false,
  });
  return { answer, abort: () => request.destroy() };
}

/** The catalogue problem a JSON answer carries, checked against the catalogue. */
function expectProblem(status: number, body: string, code: ErrorCode) {
  expect(JSON.parse(body)).toEqual({ status, code, message: expect.any(String) });
  expect(errorCatalogue[code].status).toBe(status);
}

const send = (path: string, init: RequestInit = {}) => fetch(new URL(path, origin), { redirect: "manual", ...init });

describe("the concurrency cap and the request timeout", () => {
  it("refuses the request past the cap with 503 and Retry-After, keeps probes and streams open, and times the slow ones out with 408", async () => {
    const stream = await openSse(new URL(`/events?tab=${randomUUID()}`, origin));
    expect(stream.status).toBe(200);
    const held = Array.from({ length: CAP }, () =>
      partialRequest("/login", { declaredBytes: 100, sentBody: "email=a", headers: { accept: "application/json" } }),
    );
    // Held requests reach the cap as soon as the server has read their headers.
    await expect.poll(async () => (await send("/work")).status, { timeout: TIMEOUT_MS / 2, interval: 20 }).toBe(503);

    const refused = await send("/api/v0/me");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expectProblem(503, await refused.text(), "http:overloaded");
    const page = await send("/", { headers: { accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("The server is busy.");
    // Load balancers still see a live, ready instance; a tab can still open its stream.
    expect((await send("/health")).status).toBe(200);
    expect((await send("/ready")).status).toBe(200);
    const second = await openSse(new URL(`/events?tab=${randomUUID()}`, origin));
    expect(second.status).toBe(200);

    const answers = await Promise.all(held.map(({ answer }) => answer));
    for (const answer of answers) {
      expect(answer.status).toBe(408);
      expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(answer.headers.connection).toBe("close");
      expectProblem(408, answer.body, "http:timeout");
    }
    // The streams outlived the request timeout; the freed slots serve again.
    expect(stream.ended).toBe(false);
    expect(second.ended).toBe(false);
    stream.close();
    second.close();
    expect((await send("/work")).status).toBe(200);
  });

  it("frees a slot when a waiting client goes away", async () => {
    // Fill the slots with clients that never send their body. One that arrives while a slot is
    // still busy (the previous test's answers may still be on their way out) is refused at once,
    // so more are sent until the server is full.
    const held: ReturnType<typeof partialRequest>[] = [];
    await expect
      .poll(
        async () => {
          const one = partialRequest("/login", { declaredBytes: 100 });
          one.answer.catch(() => undefined);
          held.push(one);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return (await send("/work")).status;
        },
        { timeout: TIMEOUT_MS / 2, interval: 20 },
      )
      .toBe(503);
    for (const { abort } of held) abort();
    await expect.poll(async () => (await send("/work")).status, { timeout: TIMEOUT_MS / 2, interval: 20 }).toBe(200);
  });
});

describe("the body size limit", () => {
  it("refuses a declared body over the limit with 413 before reading it", async () => {
    const { answer } = partialRequest("/login", {
      declaredBytes: 10 * 1024 * 1024,
      headers: { accept: "application/json" },
    });
    const tooLarge = await answer;
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.ms).toBeLessThan(TIMEOUT_MS);
    expect(tooLarge.headers.connection).toBe("close");
    expectProblem(413, tooLarge.body, "http:payload_too_large");

    const api = await send("/api/v0/me", {
      method: "POST",
      body: "x".repeat(MAX_BODY + 1),
      headers: { "content-type": "application/json" },
    });
    expect(api.status).toBe(413);
    expectProblem(413, await api.text(), "http:payload_too_large");
  });

  it("lets a body at the limit through to the route", async () => {
    const body = `email=nobody%40example.com&password=${"x".repeat(MAX_BODY - 36)}`;
    expect(body.length).toBe(MAX_BODY);
    const response = await send("/login", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect([400, 401]).toContain(response.status); // the form's own answer, not the limit's
  });

  it("refuses a body without a Content-Length (chunked) with 411", async () => {
    const answer = await httpRequest(new URL("/api/v0/me", origin), {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      body: "{}",
    }).answer;
    expect(answer.status).toBe(411);
    expectProblem(411, answer.body, "http:length_required");
  });
});

describe("answers outside the routes", () => {
  it("are catalogue problems: JSON under /api or for Accept: application/json, a page otherwise", async () => {
    const unknownApi = await send("/api/v0/no/such/endpoint", { method: "DELETE" });
    expect(unknownApi.status).toBe(404);
    expectProblem(404, await unknownApi.text(), "http:not_found");
    const wrongMethod = await send("/api/v0/me", { method: "PUT", body: "{}" });
    expect(wrongMethod.status).toBe(405);
    expectProblem(405, await wrongMethod.text(), "http:method_not_allowed");
    const probeMethod = await send("/health", { method: "DELETE" });
    expect(probeMethod.status).toBe(405);
    expectProblem(405, await probeMethod.text(), "http:method_not_allowed");
    const asset = await send("/assets/missing.js", { headers: { accept: "application/json" } });
    expectProblem(404, await asset.text(), "http:not_found");
    for (const path of ["/api/v0/a%0D%0Ab", "/api/%E0%A4%A", "/api/v0/me%00"]) {
      const malformed = await send(path);
      expect(malformed.status, path).toBe(400);
      expectProblem(400, await malformed.text(), "http:bad_request");
    }
    const malformedPage = await send("/work/%E0%A4%A", { headers: { accept: "text/html" } });
    expect(malformedPage.status).toBe(400);
    expect(malformedPage.headers.get("content-type")).toMatch(/^text\/html/);
    const assetPage = await send("/assets/missing.js", { headers: { accept: "text/html" } });
    expect(assetPage.status).toBe(404);
    expect(await assetPage.text()).toContain("There is nothing at this address.");
  });

  it("refuse methods React Router cannot handle with 405 and Allow", async () => {
    for (const method of ["TRACE", "PROPFIND", "MKCOL"]) {
      const answer = await httpRequest(new URL("/api/v0/me", origin), { method }).answer;
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toContain("GET");
      expectProblem(405, answer.body, "http:method_not_allowed");
    }
  });

  it("answer requests Node itself cannot parse with a catalogue problem", async () => {
    const cases: [string, number, ErrorCode][] = [
      ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "http:bad_request"],
      ["NOT AN HTTP REQUEST\r\n\r\n", 400, "http:bad_request"],
      ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "http:bad_request"],
      [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "http:headers_too_large"],
    ];
    for (const [text, status, code] of cases) {
      const received = await sendRaw(origin, text);
      expect(received, text.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expectProblem(status, received.slice(received.indexOf("\r\n\r\n") + 4), code);
    }
  });
});

describe("CORS for /api", () => {
  const preflight = (from: string, path = "/api/v0/me") =>
    send(path, {
      method: "OPTIONS",
      headers: {
        origin: from,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("answers a listed origin's preflight and requests, with credentials", async () => {
    const answer = await preflight(ALLOWED);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(answer.headers.get("access-control-allow-credentials")).toBe("true");
    expect(answer.headers.get("access-control-allow-methods")).toContain("POST");
    expect(answer.headers.get("access-control-allow-headers")).toBe("content-type");
    expect((await preflight("http://localhost:5173")).headers.get("access-control-allow-origin")).toBe(
      "http://localhost:5173",
    );

    const actual = await send("/api/v0/me", { headers: { origin: ALLOWED } });
    expect(actual.status).toBe(401);
    expect(actual.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(actual.headers.get("access-control-allow-credentials")).toBe("true");
    expect(actual.headers.get("vary")).toMatch(/Origin/);
  });

  it("gives an unlisted origin no CORS header at all, and none outside /api", async () => {
    for (const from of [UNLISTED, `${ALLOWED}:8443`, "http://app.example", "null"]) {
      const answers = [await preflight(from), await send("/api/v0/me", { headers: { origin: from } })];
      for (const answer of answers) {
        const cors = [...answer.headers.keys()].filter((name) => name.startsWith("access-control-"));
        expect(cors, from).toEqual([]);
      }
    }
    const page = await send("/work", { headers: { origin: ALLOWED } });
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets listed origins write to /api only; every other cross-site write is still refused with 403", async () => {
    const post = (path: string, from: string, accept = "application/json") =>
      send(path, { method: "POST", body: "{}", headers: { origin: from, "content-type": "application/json", accept } });
    const listed = await post("/api/v0/no-such-endpoint", ALLOWED);
    expect(listed.status).toBe(404); // it reached the API
    expect(listed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expectProblem(404, await listed.text(), "http:not_found");

    const unlisted = await post("/api/v0/no-such-endpoint", UNLISTED);
    expect(unlisted.status).toBe(403);
    expectProblem(403, await unlisted.text(), "http:cross_site");

    const pageWrite = await post("/login", ALLOWED);
    expect(pageWrite.status).toBe(403);
    expectProblem(403, await pageWrite.text(), "http:cross_site");
    const pageWriteBrowser = await post("/logout", UNLISTED, "text/html");
    expect(pageWriteBrowser.status).toBe(403);
    expect(pageWriteBrowser.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await pageWriteBrowser.text()).toContain("Cross-site requests are not accepted.");
    // A path that only starts like the API is not the API.
    expect((await post("/apix", ALLOWED)).status).toBe(403);
  });

  it("refuses a write the browser marks Sec-Fetch-Site: cross-site even without Origin, and lets same-site ones through", async () => {
    const form = (path: string, headers: Record<string, string>, accept = "text/html") =>
      send(path, {
        method: "POST",
        body: "email=a%40example.com&password=x",
        headers: { "content-type": "application/x-www-form-urlencoded", accept, ...headers },
      });
    for (const path of ["/login", "/register", "/logout", "/chat?room=lobby", "/lab?index"]) {
      const refused = await form(path, { "sec-fetch-site": "cross-site" });
      expect(refused.status, path).toBe(403);
      expect(await refused.text(), path).toContain("Cross-site requests are not accepted.");
    }
    const api = await send("/api/v0/chat/rooms/lobby/messages", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
    });
    expect(api.status).toBe(403);
    expectProblem(403, await api.text(), "http:cross_site");
    // The CORS allow-list still may write to /api, as browsers send it: Origin and cross-site together.
    const listed = await send("/api/v0/no-such-endpoint", {
      method: "POST",
      body: "{}",
      headers: { origin: ALLOWED, "sec-fetch-site": "cross-site", "content-type": "application/json" },
    });
    expect(listed.status).toBe(404);
    for (const site of ["same-origin", "same-site", "none"]) {
      const passed = await form("/login", { "sec-fetch-site": site });
      expect(passed.status, site).not.toBe(403);
    }
    // Reads are never refused for it: a link from another site opens the page.
    expect((await send("/login", { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(200);
  });
});
