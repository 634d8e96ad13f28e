import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configVariables, parseConfig, runsJobsInline } from "#server/config.ts";

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
        dbMaxConnections: 10,
        logFormat: "pretty",
        adminEmails: [],
        trustProxy: false,
        totpPendingSecs: 300,
        worker: "auto",
        workerConcurrency: 4,
        smtpUrl: undefined,
        mailMaxAttempts: 10,
        auditRetentionDays: 365,
        limits: { maxConcurrentRequests: 256, requestTimeoutMs: 30_000, maxBodyBytes: 1_048_576 },
        corsAllowedOrigins: [],
        compression: true,
      },
    });
  });

  it("takes COMPRESSION as on or off, nothing else", () => {
    const compression = (value: string) => {
      const result = parseConfig({ COMPRESSION: value });
      return result.ok ? result.config.compression : result.problems;
    };
    expect([compression("on"), compression("off")]).toEqual([true, false]);
    expect(compression("yes")).toEqual([expect.stringMatching(/^COMPRESSION: .*"yes"/)]);
  });

  it("reads the stability limits and the CORS allow-list of exact origins", () => {
    const result = parseConfig({
      MAX_CONCURRENT_REQUESTS: "8",
      REQUEST_TIMEOUT_MS: "1500",
      MAX_BODY_BYTES: "4096",
      CORS_ALLOWED_ORIGINS: " https://app.example.com, http://localhost:5173 ,",
    });
    expect(result).toMatchObject({
      ok: true,
      config: {
        limits: { maxConcurrentRequests: 8, requestTimeoutMs: 1500, maxBodyBytes: 4096 },
        corsAllowedOrigins: ["https://app.example.com", "http://localhost:5173"],
      },
    });
    for (const origins of [
      "https://app.example.com/",
      "https://app.example.com/api",
      "app.example.com",
      "ftp://app.example.com",
      "*",
      "https://a.example, null",
      "https://APP.example.com",
    ]) {
      expect(problems({ CORS_ALLOWED_ORIGINS: origins }), origins).toEqual([
        expect.stringMatching(/^CORS_ALLOWED_ORIGINS: each entry must be an exact origin/),
      ]);
    }
    const found = problems({ MAX_CONCURRENT_REQUESTS: "0", REQUEST_TIMEOUT_MS: "10", MAX_BODY_BYTES: "1kb" });
    expect(found.map((problem) => problem.split(":")[0])).toEqual([
      "MAX_CONCURRENT_REQUESTS",
      "REQUEST_TIMEOUT_MS",
      "MAX_BODY_BYTES",
    ]);
  });

  it("reports every invalid variable at once, by name", () => {
    const found = problems({ PORT: "abc", AUDIT_RETENTION_DAYS: "0", LOG_FORMAT: "xml", DB_MAX_CONNECTIONS: "-1" });
    expect(found).toHaveLength(4);
    expect(found.join("\n")).toMatch(/^PORT: .*"abc"/m);
    expect(found.join("\n")).toMatch(/^AUDIT_RETENTION_DAYS: .*"0"/m);
    expect(found.join("\n")).toMatch(/^LOG_FORMAT: /m);
    expect(found.join("\n")).toMatch(/^DB_MAX_CONNECTIONS: /m);
  });

  it("takes smtp:// and smtps:// URLs for SMTP_URL, and WORKER as auto, inline or off", () => {
    for (const url of ["smtp://user:pass@mail.example.com:587", "smtps://mail.example.com"])
      expect(problems({ SMTP_URL: url })).toEqual([]);
    const found = problems({ SMTP_URL: "http://mail.example.com", WORKER: "sometimes" });
    expect(found).toHaveLength(2);
    expect(found.join("\n")).toMatch(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/m);
    expect(found.join("\n")).toMatch(/^WORKER: /m);
  });

  it("runs jobs in the web process on the embedded database, and not beside DATABASE_URL, unless WORKER says otherwise", () => {
    const inline = (env: Record<string, string>) => {
      const result = parseConfig(env);
      if (!result.ok) throw new Error(result.problems.join());
      return runsJobsInline(result.config);
    };
    const url = "postgres://localhost/glassbox";
    expect([
      inline({}),
      inline({ DATABASE_URL: url }),
      inline({ DATABASE_URL: url, WORKER: "inline" }),
      inline({ WORKER: "off" }),
    ]).toEqual([true, false, true, false]);
  });

  it("reads TRUST_PROXY as a flag, a hop count or a list of proxies, and rejects anything else", () => {
    const trust = (value: string) => {
      const result = parseConfig({ TRUST_PROXY: value });
      return result.ok ? result.config.trustProxy : result.problems;
    };
    expect(trust("true")).toBe(true);
    expect(trust("2")).toBe(2);
    expect(trust("loopback, 10.0.0.0/8, fd00::/8")).toEqual(["loopback", "10.0.0.0/8", "fd00::/8"]);
    for (const bad of ["10.0.0.0/33", "proxy.example", "1.2.3.4/8/1", ","])
      expect(String(trust(bad))).toMatch(/^TRUST_PROXY: /);
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
    expect(parseConfig({ PORT: "", DATABASE_URL: "" })).toMatchObject({
      ok: true,
      config: { port: 3000, databaseUrl: undefined },
    });
  });

  it("turns GitHub sign-in on only with both client id and secret, at github.com unless told otherwise", () => {
    expect(parseConfig({})).toMatchObject({ ok: true, config: { github: undefined } });
    expect(problems({ GITHUB_CLIENT_ID: "id" })).toEqual([
      expect.stringMatching(/^GITHUB_CLIENT_SECRET: is required when GITHUB_CLIENT_ID is set/),
    ]);
    expect(problems({ GITHUB_CLIENT_SECRET: "secret" })).toEqual([
      expect.stringMatching(/^GITHUB_CLIENT_ID: is required when GITHUB_CLIENT_SECRET is set/),
    ]);
    expect(parseConfig({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "secret" })).toMatchObject({
      ok: true,
      config: {
        github: {
          clientId: "id",
          clientSecret: "secret",
          authorizeUrl: "https://github.com/login/oauth/authorize",
          tokenUrl: "https://github.com/login/oauth/access_token",
          apiUrl: "https://api.github.com",
          callbackUrl: undefined,
        },
      },
    });
    const local = parseConfig({
      GITHUB_CLIENT_ID: "id",
      GITHUB_CLIENT_SECRET: "secret",
      GITHUB_BASE_URL: "http://127.0.0.1:4000",
      GITHUB_API_URL: "http://127.0.0.1:4000/api",
      GITHUB_CALLBACK_URL: "https://glassbox.example/auth/github/callback",
    });
    expect(local).toMatchObject({
      ok: true,
      config: {
        github: {
          authorizeUrl: "http://127.0.0.1:4000/login/oauth/authorize",
          apiUrl: "http://127.0.0.1:4000/api",
          callbackUrl: "https://glassbox.example/auth/github/callback",
        },
      },
    });
    expect(problems({ GITHUB_BASE_URL: "ftp://github.com", GITHUB_CALLBACK_URL: "/auth/github/callback" })).toEqual([
      expect.stringMatching(/^GITHUB_BASE_URL: must be an http/),
      expect.stringMatching(/^GITHUB_CALLBACK_URL: must be an http/),
    ]);
  });

  it("turns Google sign-in on only with both client id and secret, at Google's endpoints unless told otherwise", () => {
    expect(parseConfig({})).toMatchObject({ ok: true, config: { google: undefined } });
    expect(problems({ GOOGLE_CLIENT_ID: "id" })).toEqual([
      expect.stringMatching(/^GOOGLE_CLIENT_SECRET: is required when GOOGLE_CLIENT_ID is set/),
    ]);
    expect(parseConfig({ GOOGLE_CLIENT_ID: "id", GOOGLE_CLIENT_SECRET: "secret" })).toMatchObject({
      ok: true,
      config: {
        google: {
          clientId: "id",
          authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
          tokenUrl: "https://oauth2.googleapis.com/token",
          userinfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
          callbackUrl: undefined,
        },
      },
    });
    expect(problems({ GOOGLE_TOKEN_URL: "ftp://x" })).toEqual([
      expect.stringMatching(/^GOOGLE_TOKEN_URL: must be an http/),
    ]);
  });

  it("takes PUBLIC_URL as an origin, and requires it in production when mail is sent over SMTP", () => {
    expect(parseConfig({ PUBLIC_URL: "https://glassbox.example/" })).toMatchObject({
      ok: true,
      config: { publicUrl: "https://glassbox.example" },
    });
    expect(problems({ PUBLIC_URL: "https://glassbox.example/app" })).toEqual([
      expect.stringMatching(/^PUBLIC_URL: must be an origin/),
    ]);
    expect(problems({ NODE_ENV: "production", SESSION_SECRET: secret, SMTP_URL: "smtp://mail.example:587" })).toEqual([
      expect.stringMatching(/^PUBLIC_URL: is required in production when SMTP_URL is set/),
    ]);
    expect(
      problems({
        NODE_ENV: "production",
        SESSION_SECRET: secret,
        SMTP_URL: "smtp://mail.example:587",
        PUBLIC_URL: "https://glassbox.example",
      }),
    ).toEqual([]);
    expect(problems({ NODE_ENV: "production", SESSION_SECRET: secret })).toEqual([]);
  });

  it("purges sessions every SESSION_CLEANUP_INTERVAL_SECS (3600 unless told), a whole number of seconds above 0", () => {
    expect(parseConfig({})).toMatchObject({ ok: true, config: { sessionCleanupIntervalSecs: 3600 } });
    expect(parseConfig({ SESSION_CLEANUP_INTERVAL_SECS: "60" })).toMatchObject({
      ok: true,
      config: { sessionCleanupIntervalSecs: 60 },
    });
    expect(problems({ SESSION_CLEANUP_INTERVAL_SECS: "0" })).toEqual([
      expect.stringMatching(/^SESSION_CLEANUP_INTERVAL_SECS: must be a whole number/),
    ]);
  });

  it("the README's configuration table and .env.example name every variable the schema reads, and no other", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const table = readme.slice(
      readme.indexOf("## Configuration"),
      readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1),
    );
    const documented = [...table.matchAll(/^\| (`[A-Z_]+`(?: \/ `[A-Z_]+`)*) \|/gm)].flatMap(([, names = ""]) =>
      [...names.matchAll(/`([A-Z_]+)`/g)].map(([, name]) => name),
    );
    expect(documented.toSorted()).toEqual(configVariables.toSorted());
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    expect([...example.matchAll(/^# ([A-Z_]+)=/gm)].map(([, name]) => name).toSorted()).toEqual(
      configVariables.toSorted(),
    );
  });
});
