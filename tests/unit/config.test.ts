import { describe, expect, it } from "vitest";
import { parseConfig } from "../../server/config.ts";

const secret = Buffer.alloc(64, 7).toString("base64url");

function problems(env: Record<string, string>): string[] {
  const result = parseConfig(env);
  return result.ok ? [] : result.problems;
}

describe("configuration", () => {
  it("has the documented defaults", () => {
    const result = parseConfig({});
    expect(result).toMatchObject({
      ok: true,
      config: {
        environment: "development",
        host: "127.0.0.1",
        port: 3000,
        dataDir: ".data",
        databaseUrl: undefined,
        sessionSecrets: undefined,
        sessionCleanupIntervalSecs: 3600,
        dbMaxConnections: 10,
        logFormat: "pretty",
        adminEmails: [],
        trustProxy: false,
        limits: { maxConcurrentRequests: 256, requestTimeoutMs: 30_000, maxBodyBytes: 65_536 },
        corsAllowedOrigins: [],
      },
    });
  });

  it("reads the stability limits and the CORS allow-list of exact origins", () => {
    const result = parseConfig({ MAX_CONCURRENT_REQUESTS: "8", REQUEST_TIMEOUT_MS: "1500", MAX_BODY_BYTES: "4096", CORS_ALLOWED_ORIGINS: " https://app.example.com, http://localhost:5173 ," });
    expect(result).toMatchObject({
      ok: true,
      config: { limits: { maxConcurrentRequests: 8, requestTimeoutMs: 1500, maxBodyBytes: 4096 }, corsAllowedOrigins: ["https://app.example.com", "http://localhost:5173"] },
    });
    for (const origins of ["https://app.example.com/", "https://app.example.com/api", "app.example.com", "ftp://app.example.com", "*", "https://a.example, null", "https://APP.example.com"]) {
      expect(problems({ CORS_ALLOWED_ORIGINS: origins }), origins).toEqual([expect.stringMatching(/^CORS_ALLOWED_ORIGINS: each entry must be an exact origin/)]);
    }
    const found = problems({ MAX_CONCURRENT_REQUESTS: "0", REQUEST_TIMEOUT_MS: "10", MAX_BODY_BYTES: "1kb" });
    expect(found.map((problem) => problem.split(":")[0])).toEqual(["MAX_CONCURRENT_REQUESTS", "REQUEST_TIMEOUT_MS", "MAX_BODY_BYTES"]);
  });

  it("reports every invalid variable at once, by name", () => {
    const found = problems({ PORT: "abc", SESSION_CLEANUP_INTERVAL_SECS: "0", LOG_FORMAT: "xml", DB_MAX_CONNECTIONS: "-1" });
    expect(found).toHaveLength(4);
    expect(found.join("\n")).toMatch(/^PORT: .*"abc"/m);
    expect(found.join("\n")).toMatch(/^SESSION_CLEANUP_INTERVAL_SECS: .*"0"/m);
    expect(found.join("\n")).toMatch(/^LOG_FORMAT: /m);
    expect(found.join("\n")).toMatch(/^DB_MAX_CONNECTIONS: /m);
  });

  it("reads TRUST_PROXY as a flag, a hop count or a list of proxies, and rejects anything else", () => {
    const trust = (value: string) => {
      const result = parseConfig({ TRUST_PROXY: value });
      return result.ok ? result.config.trustProxy : result.problems;
    };
    expect(trust("true")).toBe(true);
    expect(trust("2")).toBe(2);
    expect(trust("loopback, 10.0.0.0/8, fd00::/8")).toEqual(["loopback", "10.0.0.0/8", "fd00::/8"]);
    for (const bad of ["10.0.0.0/33", "proxy.example", "1.2.3.4/8/1", ","]) expect(String(trust(bad))).toMatch(/^TRUST_PROXY: /);
  });

  it("rejects ports outside 0-65535 and non-postgres database URLs", () => {
    expect(problems({ PORT: "70000" })[0]).toMatch(/^PORT:/);
    expect(problems({ DATABASE_URL: "mysql://localhost/db" })[0]).toMatch(/^DATABASE_URL: must be a postgres/);
    expect(problems({ DATABASE_READ_URL: "not a url" })[0]).toMatch(/^DATABASE_READ_URL:/);
  });

  it("requires SESSION_SECRET in production only, and json logs there by default", () => {
    expect(problems({ NODE_ENV: "production" })[0]).toMatch(/^SESSION_SECRET: is required in production/);
    const result = parseConfig({ NODE_ENV: "production", SESSION_SECRET: secret });
    expect(result.ok && result.config.logFormat).toBe("json");
  });

  it("accepts a comma-separated list of secrets for rotation, and checks each one", () => {
    const next = Buffer.alloc(64, 9).toString("base64url");
    const result = parseConfig({ SESSION_SECRET: `${next}, ${secret}` });
    expect(result.ok && result.config.sessionSecrets).toEqual([next, secret]);
    expect(problems({ SESSION_SECRET: `${secret},short` })[0]).toMatch(/at least 64 bytes/);
    expect(problems({ SESSION_SECRET: "has spaces and + / =" })[0]).toMatch(/base64url/);
  });

  it("normalises ADMIN_EMAILS and rejects entries that are not emails", () => {
    const result = parseConfig({ ADMIN_EMAILS: " Ada@Example.com ,bob@example.org" });
    expect(result.ok && result.config.adminEmails).toEqual(["ada@example.com", "bob@example.org"]);
    expect(problems({ ADMIN_EMAILS: "ada@example.com,nope" })[0]).toMatch(/^ADMIN_EMAILS:/);
  });

  it("treats empty variables as unset", () => {
    expect(parseConfig({ PORT: "", DATABASE_URL: "" })).toMatchObject({ ok: true, config: { port: 3000, databaseUrl: undefined } });
  });
});
