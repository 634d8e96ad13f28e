import { randomBytes } from "node:crypto";

/**
 * A minimal form-posting "browser" for the account integration tests: it keeps the session cookie
 * from Set-Cookie, sends a fixed client address (X-Forwarded-For, honoured with TRUST_PROXY) and
 * User-Agent, and posts same-origin forms (Origin = the server's origin) without following redirects.
 */
export const COOKIE_NAME = "glassbox_session";

export type Fields = Record<string, string | readonly string[]> | readonly (readonly [string, string])[];

export interface PostOptions {
  readonly headers?: Record<string, string>;
  /** The Origin header: the server's own by default; `null` sends none. */
  readonly origin?: string | null;
}

export interface Browser {
  readonly url: string;
  /** "glassbox_session=…", as a browser would send it back; undefined when there is none. */
  cookie: string | undefined;
  /** Sent as X-Forwarded-For unless undefined. */
  ip: string | undefined;
  userAgent: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, fields: Fields, options?: PostOptions): Promise<Response>;
  /** Any request, with this browser's cookie, address, agent and (for writes) origin unless overridden. */
  send(
    path: string,
    init: RequestInit & { headers?: Record<string, string> },
    options?: { origin?: string | null },
  ): Promise<Response>;
}

let counter = 0;
const runTag = randomBytes(2).toString("hex");

/** A fresh private address (10/8): one per test keeps the per-IP throttle counts apart. */
export function nextIp(): string {
  counter += 1;
  return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`;
}

/** Account fields that pass the rules: usernames of at most 20 chars [a-z0-9_], unique per run. */
export function newAccount(prefix = "user") {
  counter += 1;
  const tag = `${runTag}${counter.toString(36)}`;
  const username = `${prefix.slice(0, 20 - tag.length - 1)}_${tag}`;
  return { username, email: `${username}@example.com`, password: `pw-${randomBytes(9).toString("base64url")}` };
}

export function formBody(fields: Fields): string {
  const params = new URLSearchParams();
  const entries = Array.isArray(fields) ? fields : Object.entries(fields);
  for (const [name, value] of entries as [string, string | readonly string[]][]) {
    for (const one of typeof value === "string" ? [value] : value) params.append(name, one);
  }
  return params.toString();
}

/** The session cookie a Set-Cookie header sets ("name=value"), "" when it clears it, undefined when it does not touch it. */
export function sessionCookieFrom(response: Response): string | undefined {
  const header = response.headers.getSetCookie().find((value) => value.startsWith(`${COOKIE_NAME}=`));
  if (!header) return undefined;
  const pair = header.split(";")[0] ?? "";
  const clears =
    /;\s*max-age=0/i.test(header) || /;\s*expires=Thu, 01 Jan 1970/i.test(header) || pair === `${COOKIE_NAME}=`;
  return clears ? "" : pair;
}

/** The device cookie a sign-in sets ("glassbox_device=…"): a browser sends it back to be a known device (decision 0017). */
export function deviceCookieFrom(response: Response): string {
  const header = response.headers.getSetCookie().find((value) => value.startsWith("glassbox_device="));
  if (!header) throw new Error("the response set no device cookie");
  return header.split(";")[0] ?? "";
}

/** The session id inside a signed cookie ("glassbox_session=base64(JSON(id)).signature"). */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  const payload = value.slice(0, value.lastIndexOf("."));
  return JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as string;
}

export function createBrowser(
  url: string,
  options: { ip?: string; userAgent?: string; cookie?: string } = {},
): Browser {
  const origin = new URL(url).origin;
  const browser: Browser = {
    url,
    cookie: options.cookie,
    ip: "ip" in options ? options.ip : nextIp(),
    userAgent: options.userAgent ?? `glassbox-test/${runTag}-${(counter += 1)}`,
    async send(path, init, sendOptions = {}) {
      const method = (init.method ?? "GET").toUpperCase();
      const headers: Record<string, string> = { "user-agent": browser.userAgent };
      if (browser.ip !== undefined) headers["x-forwarded-for"] = browser.ip;
      if (browser.cookie) headers.cookie = browser.cookie;
      const sendOrigin =
        "origin" in sendOptions ? sendOptions.origin : method === "GET" || method === "HEAD" ? null : origin;
      if (sendOrigin !== null && sendOrigin !== undefined) headers.origin = sendOrigin;
      const response = await fetch(new URL(path, url), {
        redirect: "manual",
        ...init,
        headers: { ...headers, ...init.headers },
      });
      const cookie = sessionCookieFrom(response);
      if (cookie !== undefined) browser.cookie = cookie || undefined;
      return response;
    },
    get: (path, headers = {}) => browser.send(path, { method: "GET", headers }),
    post: (path, fields, postOptions = {}) =>
      browser.send(
        path,
        {
          method: "POST",
          body: formBody(fields),
          headers: { "content-type": "application/x-www-form-urlencoded", ...postOptions.headers },
        },
        "origin" in postOptions ? { origin: postOptions.origin } : {},
      ),
  };
  return browser;
}

/** Runs `tasks` with at most `limit` in flight; results in order. */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
