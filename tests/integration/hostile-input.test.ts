import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, formBody, inBatches, newAccount, nextIp, type Browser } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { hostileValues, MB } from "../support/hostile.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { startServer, type LogLine, type RunningServer } from "../support/server.ts";

/**
 * Whatever a client sends to the account routes and the lab, the answer is a 4xx (or a redirect), never a 500,
 * and nothing reaches the log as an unhandled route error. These cases know each form's fields; the
 * route fuzz (route-fuzz.test.ts) throws generic malformed requests at every route of the build.
 */
const ADMIN_EMAIL = "boss@example.com";

let database: TestDatabase;
let server: RunningServer;
let member: Browser;
let memberAccount: ReturnType<typeof newAccount>;
let memberId: string;
let boss: Browser;
let promotable: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: ADMIN_EMAIL,
  });
  const register = async (account: ReturnType<typeof newAccount>) => {
    const b = createBrowser(server.url);
    await registerAndConfirm(database.db, b, account);
    return b;
  };
  memberAccount = newAccount("member");
  member = await register(memberAccount);
  boss = await register({ ...newAccount("boss"), email: ADMIN_EMAIL });
  await register(newAccount("promotable"));
  // A second device, so the account page has a session to revoke.
  expect((await createBrowser(server.url).post("/login", { email: memberAccount.email, password: memberAccount.password })).status).toBe(303);
  const ids = await database.db.selectFrom("users").select(["id", "email"]).execute();
  memberId = ids.find((row) => row.email === memberAccount.email)?.id ?? "";
  promotable = ids.find((row) => row.email.startsWith("promotable"))?.id ?? "";
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

type Who = "guest" | "member" | "admin";

interface Case {
  readonly name: string;
  readonly who: Who;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Blob | FormData;
  /** Content-Type to send; none when unset (FormData sets its own). */
  readonly type?: string | null;
  readonly headers?: Record<string, string>;
}

const FORM = "application/x-www-form-urlencoded";

/** Raw urlencoded bodies a form encoder would never produce. */
const rawBodies = (fields: readonly string[]): Record<string, string> => ({
  "invalid UTF-8 escapes": fields.map((field) => `${field}=%E0%A4%A`).join("&"),
  "overlong and stray escapes": fields.map((field) => `${field}=%C0%AF%%%zz%FF%FE`).join("&"),
  "NUL escapes": fields.map((field) => `${field}=%00%00`).join("&"),
  "escaped names": fields.map((field) => `${encodeURIComponent(field).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)}=%F0%9F%98%80`).join("&"),
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
    if (index === 0) form.append(field, new Blob([randomBytes(2048)], { type: "application/octet-stream" }), "payload.bin");
    else form.append(field, new File(["<svg onload=alert(1)>"], "x.svg", { type: "image/svg+xml" }));
  }
  return form;
};

/** The same body-level attacks against any form action; `baseline` gives each case otherwise valid fields. */
function bodyCases(who: Who, path: string, fields: readonly string[], baseline: () => Record<string, string>): Case[] {
  const cases: Case[] = [];
  const valid = baseline();
  const post = (name: string, body: Case["body"], type: string | null = FORM, headers?: Record<string, string>) =>
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
  post("text/plain body", Object.entries(valid).map(([k, v]) => `${k}=${v}`).join("\n"), "text/plain");
  post("multipart with files for fields", multipartWithFile(fields), null);
  post("multipart without a boundary", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n", "multipart/form-data");
  post("multipart, broken", "--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nunterminated", "multipart/form-data; boundary=b");
  post("binary garbage as a form", new Blob([randomBytes(4096)]));
  post("gzip claimed, plain sent", formBody(valid), FORM, { "content-encoding": "gzip" });
  post("utf-16 charset claimed", formBody(valid), `${FORM}; charset=utf-16`);
  return cases;
}

function allCases(): Case[] {
  const longNext = `/${"a/".repeat(60_000)}`;
  const unknownEmail = `nobody-${randomUUID()}@example.com`;
  const cases: Case[] = [
    // A new account each time, so a hostile `next` or password goes all the way to a sign-in.
    ...bodyCases("guest", "/register", ["username", "email", "password", "next"], () => ({ ...newAccount("hostile"), next: "/account" })),
    ...bodyCases("guest", "/login", ["email", "password", "next"], () => ({ email: unknownEmail, password: "wrong password", next: "/account" })),
    ...bodyCases("member", "/account", ["intent", "session", "currentPassword", "newPassword"], () => ({
      intent: "change-password",
      session: "A".repeat(22),
      currentPassword: "not the password",
      newPassword: "a long enough new password",
    })),
    ...bodyCases("admin", "/admin", ["userId"], () => ({ userId: randomUUID() })),
    ...bodyCases("member", "/lab?index", ["intent", "rule", "input", "email"], () => ({ intent: "boundary-check", rule: "username", input: "ada", email: unknownEmail })),
  ];
  const add = (who: Who, method: string, path: string, body?: string, headers?: Record<string, string>) =>
    cases.push({ name: `${who} ${method} ${path.slice(0, 80)}${body ? ` ${body.slice(0, 60)}` : ""}`, who, method, path, body, type: body === undefined ? undefined : FORM, headers });

  // Every intent of the account page, with values that are nearly right.
  for (const intent of ["revoke-session", "sign-out-others", "change-password", "REVOKE-SESSION", "revoke-session ", "", "__proto__", "constructor", "toString"]) {
    add("member", "POST", "/account", formBody({ intent }));
    add("member", "POST", "/account", formBody({ intent, session: "A".repeat(22), currentPassword: "x", newPassword: "short" }));
  }
  for (const session of ["", "short", "A".repeat(21), "A".repeat(23), "!".repeat(22), "../../etc/passwd.......", "A".repeat(22), "%".repeat(22), "\u0000".repeat(22)]) {
    add("member", "POST", "/account", formBody({ intent: "revoke-session", session }));
  }
  // Ids that are not uuids (or are, but of nobody), and the admin's own.
  for (const userId of ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", randomUUID().toUpperCase(), `${randomUUID()}x`, `{${randomUUID()}}`, randomUUID().replace(/-/g, ""), "1; DROP TABLE users", "12345678-1234-0234-8234-123456789012", promotable, promotable]) {
    add("admin", "POST", "/admin", formBody({ userId }));
  }
  add("member", "POST", "/admin", formBody({ userId: memberId }));
  add("guest", "POST", "/admin", formBody({ userId: memberId }));
  // Searches, `next`, `done` and odd paths.
  for (const q of ["%00", "%E0%A4%A", "%25", "_", "%5C", encodeURIComponent("' OR 1=1 --"), encodeURIComponent("<b>x</b>"), "a".repeat(5000), encodeURIComponent("😀"), "x&q=y&q[]=z"]) {
    add("admin", "GET", `/admin?q=${q}`);
  }
  for (const next of ["%E0%A4%A", "%00", encodeURIComponent(longNext.slice(0, 3000)), "%2F%2Fevil.example", "%2F%0D%0ASet-Cookie:%20x=1", "javascript:alert(1)", encodeURIComponent("/\u202Eevil")]) {
    add("guest", "GET", `/login?next=${next}`);
    add("guest", "GET", `/register?next=${next}`);
    add("member", "GET", `/login?next=${next}`);
  }
  add("guest", "POST", "/login", formBody({ email: memberAccount.email, password: "wrong", next: longNext }));
  add("guest", "POST", "/register", formBody({ ...newAccount("longnext"), next: longNext }));
  for (const done of ["%E0%A4%A", "%00", "__proto__", "password-changed&done=x"]) add("member", "GET", `/account?done=${done}`);
  for (const path of ["/account%00", "/login/%E0%A4%A", "/%E0%A4%A", "/admin/..%2F..%2Fetc%2Fpasswd", "/api/v0/me%00", "/api/v0/me?x=%E0%A4%A"]) add("guest", "GET", path);
  // The lab's widgets with values that are nearly right (never a valid burst: each would send 100+ requests).
  for (const size of ["", "abc", "99", "5001", "150", "1e3", "1000.5", "-100", "Infinity", "0x3e8"]) add("guest", "POST", "/lab?index", formBody({ intent: "burst", size }));
  for (const delta of ["", "NaN", "1e309", "101", "-101", "0.5", "1; DROP TABLE users"]) add("guest", "POST", "/lab?index", formBody({ intent: "step", delta }));
  for (const tab of ["not-a-uuid", "", randomUUID().toUpperCase(), `${randomUUID()}x`, randomUUID()]) {
    add("guest", "POST", "/lab?index", formBody({ intent: "step", delta: "1", tab }));
    add("guest", "POST", "/lab?index", formBody({ intent: "guarded", tab }));
  }
  for (const intent of ["", "BURST", "__proto__", "constructor", "auth-status ", "step\u0000"]) add("guest", "POST", "/lab?index", formBody({ intent }));
  for (const query of ["filter=%E0%A4%A", "done=__proto__", "filter=" + "a".repeat(5000), "done=%00"]) add("guest", "GET", `/lab?${query}`);
  for (const trace of ["-1", "abc", "1e400", "9007199254740993", "%00"]) add("guest", "GET", `/events?tab=${randomUUID()}&lab=1&trace=${trace}`);
  for (const probe of ["/lab/probe?x=%E0%A4%A", "/lab/probe/%00"]) add("guest", "GET", probe);
  // Other methods on the same routes.
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    for (const path of ["/login", "/register", "/account", "/admin", "/logout", "/api/v0/me"]) add(path === "/account" ? "member" : "guest", method, path, formBody({ intent: "sign-out-others" }));
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
    add("guest", "POST", "/login", formBody({ email: `ua-${randomUUID()}@example.com`, password: "x" }), { "user-agent": userAgent });
    add("member", "GET", "/account", undefined, { "user-agent": userAgent });
  }
  return cases;
}

async function run(one: Case): Promise<{ status: number } | { error: string }> {
  const b = one.who === "member" ? member : one.who === "admin" ? boss : undefined;
  const client = createBrowser(server.url, { cookie: b?.cookie, ip: nextIp() });
  if (b) client.userAgent = b.userAgent;
  const headers: Record<string, string> = { ...one.headers };
  if (one.type) headers["content-type"] = one.type;
  try {
    const response = await client.send(one.path, { method: one.method, body: one.body, headers });
    await response.arrayBuffer();
    // No case may replace a shared session's cookie (a password change would, a sign-out would clear it).
    if (b && client.cookie !== b.cookie) return { error: `changed the ${one.who}'s session cookie (status ${response.status})` };
    return { status: response.status };
  } catch (error) {
    return { error: String(error) };
  }
}

describe("hostile input", () => {
  let results: { one: Case; result: Awaited<ReturnType<typeof run>> }[];
  let errorLines: LogLine[];

  beforeAll(async () => {
    const cases = allCases();
    const before = server.logs().length;
    results = (await inBatches(cases.map((one) => async () => ({ one, result: await run(one) })), 8));
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last log lines arrive
    errorLines = server.logs().slice(before).filter((line) => (line.level ?? 0) >= 50);
  }, 180_000); // a shared 2-core machine under load takes well over a minute

  it("sends at least 150 requests across the account routes", () => {
    expect(results.length).toBeGreaterThanOrEqual(150);
    const paths = new Set(results.map(({ one }) => new URL(one.path, "http://x").pathname));
    for (const path of ["/register", "/login", "/logout", "/account", "/admin", "/api/v0/me"]) expect(paths).toContain(path);
  });

  it("answers every one without a 5xx or a dropped connection", () => {
    const failures = results
      .filter(({ result }) => "error" in result || result.status >= 500)
      .map(({ one, result }) => `${one.name}: ${"error" in result ? result.error : result.status}`);
    expect(failures).toEqual([]);
  });

  it("logs no unhandled route error, nor anything else at level error or above", () => {
    const summary = (line: LogLine) => `${line.level} ${line.msg} ${JSON.stringify((line.err as { message?: string } | undefined)?.message ?? "")} ${JSON.stringify(line.req ?? "")}`;
    expect(errorLines.filter((line) => line.msg === "unhandled error in a route").map(summary)).toEqual([]);
    expect(errorLines.map(summary)).toEqual([]);
  });

  it("reached the handlers: the answers are the expected client errors, not blanket refusals", () => {
    const statuses = (path: string, who?: Who) =>
      new Set(results.filter(({ one }) => one.path === path && one.method === "POST" && (!who || one.who === who)).map(({ result }) => ("status" in result ? result.status : 0)));
    // 413: the 1 MB values, refused by the body limit before any handler (MAX_BODY_BYTES, 1 MiB).
    expect([...statuses("/login")].every((status) => [303, 400, 401, 413, 429].includes(status))).toBe(true);
    expect(statuses("/login")).toContain(400);
    expect(statuses("/login")).toContain(401);
    expect(statuses("/login")).toContain(413);
    expect([...statuses("/register")].every((status) => [303, 400, 409, 413].includes(status))).toBe(true);
    expect([...statuses("/account", "member")].every((status) => [303, 400, 404, 413, 429].includes(status))).toBe(true);
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
    const response = await createBrowser(server.url).post("/register", { username: markup, email: `${markup}@example.com`, password: "short" });
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

  it("answers a sign-in from an over-long forwarded address (trusted proxy) without a 500", async () => {
    // With TRUST_PROXY the forwarded address becomes the client address, used as a throttle key.
    const b = createBrowser(server.url, { ip: randomBytes(2000).toString("hex") });
    const response = await b.post("/login", { email: `long-ip-${randomUUID()}@example.com`, password: "wrong password" });
    expect(response.status).toBeLessThan(500);
  });
});
