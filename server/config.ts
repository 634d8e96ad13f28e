import { isIP } from "node:net";
import { z } from "zod";
import type { GitHubSettings, GoogleSettings } from "#app/models/oauth.ts";
import { defaultSignupLimit, type SignupLimit } from "#app/models/signup-throttle.server.ts";
import { defaultStreamCaps, type StreamCaps } from "#app/services/stream-quota.server.ts";

/**
 * The one place where the environment is read. Every variable is validated at once so an
 * operator sees all problems in a single run (DESIGN.md, Configuration).
 */

const environments = ["development", "production", "test"] as const;
export type Environment = (typeof environments)[number];

/** Where background jobs run: `auto` is in this process on the embedded database, elsewhere (`npm run worker`) with DATABASE_URL. */
const workerModes = ["auto", "inline", "off"] as const;
export type WorkerMode = (typeof workerModes)[number];

/** `off` leaves compression to a reverse proxy in front (it then does that work off this process's event loop). */
const switches = ["on", "off"] as const;

const logFormats = ["pretty", "json"] as const;
export type LogFormat = (typeof logFormats)[number];

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).trim();

/** base64url, at least 64 bytes once decoded; a comma-separated list rotates (the first signs). */
const MIN_SECRET_BYTES = 64;
const sessionSecrets = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((secret) => secret.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, "each secret must be base64url (A-Z a-z 0-9 - _)")
          .refine(
            (secret) => Buffer.from(secret, "base64url").length >= MIN_SECRET_BYTES,
            `each secret must decode to at least ${MIN_SECRET_BYTES} bytes`,
          ),
      )
      .min(1, "must list at least one secret"),
  );

/**
 * Express's `trust proxy`: which hops may set X-Forwarded-For, so the client address (sessions,
 * audit, sign-in throttling) is the visitor's and not the proxy's. `true`, a hop count, or a list
 * of addresses, subnets and the names loopback, linklocal, uniquelocal.
 */
export type TrustProxy = boolean | number | readonly string[];
const proxyNames = new Set(["loopback", "linklocal", "uniquelocal"]);
const isProxyAddress = (entry: string) => {
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (proxyNames.has(entry)) return true;
  if (!version || rest.length) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
};
const trustProxy = z
  .string()
  .trim()
  .transform((value): TrustProxy => {
    if (value === "true" || value === "false") return value === "true";
    if (/^\d+$/.test(value)) return Number(value);
    return value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
  })
  .refine((value) => typeof value !== "object" || (value.length > 0 && value.every(isProxyAddress)), {
    message:
      "must be true, false, a hop count, or addresses/subnets (or loopback, linklocal, uniquelocal), comma-separated",
  });

const emailList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.email("each entry must be an email address")));

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).trim();

/** Where the site is reached from outside (the links in mail): an http(s) origin, no path. */
const publicUrl = httpUrl
  .refine(
    (value) => new URL(value).pathname === "/" && !new URL(value).search,
    "must be an origin such as https://glassbox.example (no path or query)",
  )
  .transform((value) => new URL(value).origin);

/** Google's OAuth endpoints (OpenID Connect discovery of https://accounts.google.com). */
export const googleDefaults = {
  authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  userinfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
} as const;
export interface Limits {
  /** In-flight requests beyond this are refused with 503 and `Retry-After`. */
  readonly maxConcurrentRequests: number;
  /** A request whose response has not started by then is answered 408. */
  readonly requestTimeoutMs: number;
  /** A larger declared body is refused with 413 before any of it is read. */
  readonly maxBodyBytes: number;
}

const MIB = 1024 * 1024;

/** The defaults of MAX_CONCURRENT_REQUESTS, REQUEST_TIMEOUT_MS and MAX_BODY_BYTES (below). */
export const defaultLimits: Limits = {
  maxConcurrentRequests: 256,
  requestTimeoutMs: 30_000,
  maxBodyBytes: 1024 * 1024,
};

/** Exact browser origins (scheme, host, optional port): what a browser sends as `Origin`. */
const isOrigin = (entry: string) =>
  URL.canParse(entry) && /^https?:$/.test(new URL(entry).protocol) && new URL(entry).origin === entry;
const originList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .refine((origins) => origins.every(isOrigin), {
    message:
      "each entry must be an exact origin such as https://app.example.com (http or https, no path, no trailing slash)",
  });

/** The variables, by their names in the environment: each one's rule and default is written here only. */
const variables = z.object({
  NODE_ENV: z.enum(environments).default("development"),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PORT: integer(0, 65535).default(3000),
  DATA_DIR: z.string().trim().min(1).default(".data"),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_READ_URL: postgresUrl.optional(),
  SESSION_SECRET: sessionSecrets.optional(),
  DB_MAX_CONNECTIONS: integer(1, 1000).default(10),
  LOG_FORMAT: z.enum(logFormats).optional(),
  LOG_LEVEL: z.enum(logLevels).default("info"),
  ADMIN_EMAILS: emailList.default([]),
  TRUST_PROXY: trustProxy.default(false),
  TOTP_PENDING_SECS: integer(1, 3600).default(300),
  GITHUB_CLIENT_ID: z.string().trim().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().trim().min(1).optional(),
  GITHUB_BASE_URL: httpUrl.default("https://github.com"),
  GITHUB_API_URL: httpUrl.default("https://api.github.com"),
  GITHUB_CALLBACK_URL: httpUrl.optional(),
  GOOGLE_CLIENT_ID: z.string().trim().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().trim().min(1).optional(),
  GOOGLE_AUTHORIZE_URL: httpUrl.default(googleDefaults.authorizeUrl),
  GOOGLE_TOKEN_URL: httpUrl.default(googleDefaults.tokenUrl),
  GOOGLE_USERINFO_URL: httpUrl.default(googleDefaults.userinfoUrl),
  GOOGLE_CALLBACK_URL: httpUrl.optional(),
  PUBLIC_URL: publicUrl.optional(),
  SESSION_CLEANUP_INTERVAL_SECS: integer(1, 31_536_000).default(3600),
  WORKER: z.enum(workerModes).default("auto"),
  WORKER_CONCURRENCY: integer(1, 100).default(4),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" })
    .trim()
    .optional(),
  MAIL_FROM: z.string().trim().min(3).default("glassbox <no-reply@localhost>"),
  // graphile-worker waits e^min(attempt, 10) seconds between attempts: 10 attempts span about 3.5 hours.
  MAIL_MAX_ATTEMPTS: integer(1, 25).default(10),
  AUDIT_RETENTION_DAYS: integer(1, 36_500).default(365),
  MAX_CONCURRENT_REQUESTS: integer(1, 100_000).default(defaultLimits.maxConcurrentRequests),
  REQUEST_TIMEOUT_MS: integer(100, 600_000).default(defaultLimits.requestTimeoutMs),
  MAX_BODY_BYTES: integer(1024, 1_073_741_824).default(defaultLimits.maxBodyBytes),
  CORS_ALLOWED_ORIGINS: originList.default([]),
  STREAMS_PER_VISITOR: integer(1, 100_000).default(defaultStreamCaps.perVisitor),
  STREAMS_PER_ADDRESS: integer(1, 1_000_000).default(defaultStreamCaps.perAddress),
  STREAM_BUFFER_MB: integer(1, 65_536).default(defaultStreamCaps.bufferBytes / MIB),
  SIGNUPS_PER_ADDRESS_PER_HOUR: integer(1, 1_000_000).default(defaultSignupLimit.attempts),
  COMPRESSION: z.enum(switches).default("on"),
});

/** The variables checked together, then shaped into the configuration the server uses. */
const schema = variables
  .superRefine((env, ctx) => {
    const pairs = [
      ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GitHub"],
      ["GITHUB_CLIENT_SECRET", "GITHUB_CLIENT_ID", "GitHub"],
      ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "Google"],
      ["GOOGLE_CLIENT_SECRET", "GOOGLE_CLIENT_ID", "Google"],
    ] as const;
    for (const [name, other, provider] of pairs) {
      if (env[name] && !env[other])
        ctx.addIssue({
          code: "custom",
          path: [other],
          message: `is required when ${name} is set (set both to turn ${provider} sign-in on, or neither)`,
        });
    }
    // Mail with links to the wrong host is worse than no mail: in production the links' origin is stated.
    if (env.NODE_ENV === "production" && env.SMTP_URL && !env.PUBLIC_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["PUBLIC_URL"],
        message:
          "is required in production when SMTP_URL is set: the links in mail (password reset, email confirmation) lead there",
      });
    }
    if (env.NODE_ENV === "production" && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: "is required in production (generate one: openssl rand -base64 64 | tr '+/' '-_' | tr -d '=\\n')",
      });
    }
  })
  .transform((e) => ({
    environment: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir: e.DATA_DIR,
    /** Unset: start the embedded PostgreSQL in `${dataDir}/postgres`. */
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    /** Unset outside production: a development secret is generated into the data directory. */
    sessionSecrets: e.SESSION_SECRET,
    dbMaxConnections: e.DB_MAX_CONNECTIONS,
    logFormat: (e.LOG_FORMAT ?? (e.NODE_ENV === "production" ? "json" : "pretty")) satisfies LogFormat,
    logLevel: e.LOG_LEVEL,
    adminEmails: e.ADMIN_EMAILS,
    trustProxy: e.TRUST_PROXY,
    /** How long the two-factor step after a right password lasts before the password is asked again. */
    totpPendingSecs: e.TOTP_PENDING_SECS,
    /** GitHub sign-in; undefined when GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are unset. */
    github:
      e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
        ? ({
            clientId: e.GITHUB_CLIENT_ID,
            clientSecret: e.GITHUB_CLIENT_SECRET,
            authorizeUrl: new URL("/login/oauth/authorize", e.GITHUB_BASE_URL).href,
            tokenUrl: new URL("/login/oauth/access_token", e.GITHUB_BASE_URL).href,
            apiUrl: e.GITHUB_API_URL,
            callbackUrl: e.GITHUB_CALLBACK_URL,
          } satisfies GitHubSettings)
        : undefined,
    /** Google sign-in; undefined when GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are unset. */
    google:
      e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
        ? ({
            clientId: e.GOOGLE_CLIENT_ID,
            clientSecret: e.GOOGLE_CLIENT_SECRET,
            authorizeUrl: e.GOOGLE_AUTHORIZE_URL,
            tokenUrl: e.GOOGLE_TOKEN_URL,
            userinfoUrl: e.GOOGLE_USERINFO_URL,
            callbackUrl: e.GOOGLE_CALLBACK_URL,
          } satisfies GoogleSettings)
        : undefined,
    /** The origin links in mail lead to; unset: the address this server listens on. */
    publicUrl: e.PUBLIC_URL,
    /** How often expired sessions are purged. */
    sessionCleanupIntervalSecs: e.SESSION_CLEANUP_INTERVAL_SECS,
    /** Whether this web process also runs the background jobs (`auto` resolved: see `runsJobsInline`). */
    worker: e.WORKER,
    workerConcurrency: e.WORKER_CONCURRENCY,
    /** Unset: development keeps mail in the development mailbox; production cannot deliver (jobs fail, visibly). */
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    /** The stability limits (server/http/stability.ts). */
    limits: {
      maxConcurrentRequests: e.MAX_CONCURRENT_REQUESTS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      maxBodyBytes: e.MAX_BODY_BYTES,
    } satisfies Limits,
    corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
    /** How many event streams one visitor and one address may hold open (docs/decisions/0016). */
    streamCaps: {
      perVisitor: e.STREAMS_PER_VISITOR,
      perAddress: e.STREAMS_PER_ADDRESS,
      bufferBytes: e.STREAM_BUFFER_MB * MIB,
    } satisfies StreamCaps,
    /** How many accounts one address may create per hour. */
    signupLimit: { ...defaultSignupLimit, attempts: e.SIGNUPS_PER_ADDRESS_PER_HOUR } satisfies SignupLimit,
    /** Whether this process compresses responses (COMPRESSION); off when a proxy in front does it. */
    compression: e.COMPRESSION === "on",
  }));

/** The configuration as the server uses it, derived from the schema (names, rules and defaults are written once, above). */
export type Config = Readonly<z.output<typeof schema>>;

/** Every variable the server reads, in the schema's order (the README's table and .env.example list the same). */
export const configVariables = Object.keys(variables.shape);

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Empty variables count as unset, as a shell `FOO=` usually means "no value". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );
}

export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const raw = withoutEmpty(env);
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const given = name in raw ? ` (got ${JSON.stringify(raw[name])})` : "";
      return `${name}: ${issue.message}${given}`;
    });
    return { ok: false, problems };
  }
  return { ok: true, config: result.data };
}

/** The web process runs jobs itself on the embedded database (it alone can reach it) unless told otherwise. */
export const runsJobsInline = (config: Config): boolean =>
  config.worker === "auto" ? config.databaseUrl === undefined : config.worker === "inline";
