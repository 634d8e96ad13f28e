import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { spawnServer, startServer, type RunningServer } from "../support/server.ts";

let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  server = await startServer({ DATABASE_URL: database.url });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, server.url), { headers, redirect: "manual" });

describe("every response", () => {
  it("carries a request id: a valid incoming one is echoed, others are replaced", async () => {
    const paths = ["/", "/health", "/ready", "/favicon.svg", "/no-such-page", "/assets/missing.js"];
    for (const path of paths) {
      const response = await get(path);
      expect(response.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await get("/health", { "x-request-id": "edge-proxy-42.abc" })).headers.get("x-request-id")).toBe(
      "edge-proxy-42.abc",
    );
    expect((await get("/health", { "x-request-id": "bad id!" })).headers.get("x-request-id")).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it("logs the request with its id", async () => {
    await get("/health", { "x-request-id": "log-check-0001" });
    await expect
      .poll(() => server.logs().find((line) => line.requestId === "log-check-0001"))
      .toMatchObject({
        msg: expect.stringContaining("GET /health 200"),
        res: { status: 200 },
      });
  });

  it("has the security headers, with a fresh CSP nonce that the page's scripts use", async () => {
    const first = await get("/");
    const csp = first.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await first.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/<script(?![^>]*nonce=)[^>]*>[^<]/); // no inline script without the nonce
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    const second = await get("/");
    expect(second.headers.get("content-security-policy")).not.toBe(csp);
  });
});

describe("pages and probes", () => {
  it("serves the home page from the content files, compressed when asked", async () => {
    const response = await get("/", { "accept-encoding": "gzip" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(await response.text()).toContain("Software you can see running"); // fetch gunzips
    const plain = await get("/", { "accept-encoding": "identity" });
    expect(plain.headers.get("content-encoding")).toBeNull();
  });

  it("answers /health with 200 OK and a 404 page for unknown paths", async () => {
    const health = await get("/health");
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const missing = await get("/definitely/not/here");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Page not found");
  });

  it("serves hashed assets with a one-year immutable cache", async () => {
    const html = await (await get("/")).text();
    const asset = /\/assets\/[^"]+\.css/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    const response = await get(asset ?? "");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await get("/assets/nope.css")).status).toBe(404);
  });

  it("reports not ready while the database refuses connections, and ready again after", async () => {
    expect((await get("/ready")).status).toBe(200);
    await database.admin(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
    await database.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}'`);
    const down = await get("/ready");
    expect(down.status).toBe(503);
    expect(await down.text()).toBe("NOT READY: database unavailable");
    await database.admin(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
    await expect.poll(async () => (await get("/ready")).status).toBe(200);
  });
});

it("refuses to start on invalid configuration, naming every bad variable, with exit code 1", async () => {
  const { output, exited } = spawnServer({ PORT: "abc", AUDIT_RETENTION_DAYS: "0" });
  expect(await exited).toBe(1);
  expect(output()).toMatch(/PORT: .*"abc"/);
  expect(output()).toMatch(/AUDIT_RETENTION_DAYS: .*"0"/);
});
