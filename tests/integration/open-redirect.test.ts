import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowser, newAccount } from "../support/browser.ts";
import { registerMember, type Member } from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { hostileNexts, landsOnSite } from "../support/hostile.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Every place that takes `next` from a visitor, against the table of values that look like a path
 * on this site but are not (issue 17): each answer must land on this site.
 * GitHub's `next` is covered by the same table in github-oauth.test.ts.
 */
let database: TestDatabase;
let server: RunningServer;
let origin: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
  });
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const browser = () => createBrowser(server.url);
const query = (next: string) => new URLSearchParams({ next }).toString();

function expectOnSite(response: Response, next: string, status: number) {
  expect(response.status, JSON.stringify(next)).toBe(status);
  const location = response.headers.get("location");
  expect(landsOnSite(location, origin), `${JSON.stringify(next)} → ${location}`).toBe(true);
}

/** The `next` values a page carries onward: hidden fields, links and buttons. */
function nextsIn(html: string): string[] {
  const decode = (value: string) =>
    value
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"')
      .replace(/&#x27;|&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">");
  const fields = [...html.matchAll(/name="next" value="([^"]*)"/g)].map((match) => decode(match[1] ?? ""));
  const links = [...html.matchAll(/href="[^"]*\?next=([^"&]*)/g)].map(
    (match) => new URLSearchParams(`next=${decode(match[1] ?? "")}`).get("next") ?? "",
  );
  return [...fields, ...links];
}

describe("a next that only looks like a path on this site", () => {
  it("is not followed after signing in (POST /login)", async () => {
    const { email, password } = await registerMember(database.db, server.url, "nextlogin");
    for (const next of hostileNexts) expectOnSite(await browser().post("/login", { email, password, next }), next, 303);
  });

  it("is not followed after signing up (POST /register)", async () => {
    for (const next of hostileNexts)
      expectOnSite(await browser().post("/register", { ...newAccount("nextreg"), next }), next, 303);
  });

  it("is not followed when a signed-in visitor opens /login or /register", async () => {
    const member = await registerMember(database.db, server.url, "nextgets");
    for (const page of ["/login", "/register"]) {
      for (const next of hostileNexts) expectOnSite(await member.browser.get(`${page}?${query(next)}`), next, 302);
    }
  });

  it("is not carried on by the sign-in and sign-up pages' hidden fields and links", async () => {
    for (const page of ["/login", "/register"]) {
      for (const next of hostileNexts) {
        const response = await browser().get(`${page}?${query(next)}`);
        expect(response.status).toBe(200);
        const carried = nextsIn(await response.text());
        expect(carried.length, page).toBeGreaterThanOrEqual(2);
        for (const value of carried)
          expect(landsOnSite(value, origin), `${page} ${JSON.stringify(next)} carries ${JSON.stringify(value)}`).toBe(
            true,
          );
      }
    }
  });

  it("is not followed after posting a chat message (POST /chat)", async () => {
    // At most 5 messages per 10 s per member and room: a new member for every five values.
    let member: Member | undefined;
    for (const [index, next] of hostileNexts.entries()) {
      if (index % 5 === 0) member = await registerMember(database.db, server.url, "nextchat");
      const response = await member?.browser.post("/chat?room=lobby", { intent: "post", body: `next ${index}`, next });
      expectOnSite(response as Response, next, 303);
    }
  });

  it("still follows a real path on this site, with its query and fragment", async () => {
    const { email, password } = await registerMember(database.db, server.url, "nextok");
    const response = await browser().post("/login", { email, password, next: "/chat?room=demo#latest" });
    expect(response.headers.get("location")).toBe("/chat?room=demo#latest");
  });
});
