import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HIT_END, HIT_START } from "#app/models/post.ts";
import { createBrowser, type Browser } from "../support/browser.ts";
import { registerMember, type Member } from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { linkTo, listedSlugs, walkPages, writePost } from "../support/posts.ts";
import { startServer, type RunningServer } from "../support/server.ts";

/**
 * Writing over HTTP against the production build, on one pool (DATABASE_READ_URL unset): who may
 * write, the form's rules, editing and deleting with their audit entries, search (ranking,
 * websearch syntax, safe snippets), pagination, and hostile input.
 */
const ADMIN_EMAIL = "writing-owner@example.com";

let database: TestDatabase;
let server: RunningServer;
let owner: Member;
let member: Member;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
    ADMIN_EMAILS: ADMIN_EMAIL,
  });
  owner = await registerMember(database.db, server.url, "owner", ADMIN_EMAIL);
  member = await registerMember(database.db, server.url, "reader");
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const guest = (): Browser => createBrowser(server.url);
const html = async (response: Response) => ({ status: response.status, text: await response.text() });
const postRow = (slug: string) =>
  database.db.selectFrom("posts").selectAll().where("slug", "=", slug).executeTakeFirst();
const auditOf = (action: string) =>
  database.db.selectFrom("action_logs").selectAll().where("action", "=", action).orderBy("id").execute();
const search = async (query: string) => html(await guest().get(`/writing?${new URLSearchParams({ q: query })}`));

it("says so when nothing has been written yet", async () => {
  const page = await html(await guest().get("/writing"));
  expect(page.status).toBe(200);
  expect(page.text).toContain("Nothing has been written here yet.");
  expect(page.text).not.toContain("Write a post");
});

describe("authoring", () => {
  const fields = { title: "Permission check", body: "Only the owner writes here." };

  it("sends guests to sign in and refuses members and moderators with 403; nothing is written", async () => {
    const visitor = guest();
    const page = await visitor.get("/writing/new");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/login?next=%2Fwriting%2Fnew");
    expect((await visitor.post("/writing/new", fields)).status).toBe(302);

    expect((await member.browser.get("/writing/new")).status).toBe(403);
    expect((await member.browser.post("/writing/new", fields)).status).toBe(403);

    const moderator = await registerMember(database.db, server.url, "mod");
    expect((await owner.browser.post("/admin", { userId: moderator.id })).status).toBe(303);
    expect((await moderator.browser.get("/writing/new")).status).toBe(403);
    expect((await moderator.browser.post("/writing/new", fields)).status).toBe(403);

    expect(await postRow("permission-check")).toBeUndefined();
    expect(await auditOf("post.created")).toHaveLength(0);
  });

  it("lets the admin publish: 303 to the post, the slug made from the title, an audit entry, paragraphs as plain text", async () => {
    expect((await owner.browser.get("/writing/new")).status).toBe(200);
    const slug = await writePost(owner.browser, {
      title: "  Hello, Writing!  ",
      summary: "A first post.",
      body: "First paragraph\nsame paragraph.\n\nSecond <em>paragraph</em>.",
    });
    expect(slug).toBe("hello-writing");
    const row = await postRow(slug);
    expect(row).toMatchObject({ title: "Hello, Writing!", summary: "A first post.", author_id: owner.id });

    const page = await html(await guest().get(`/writing/${slug}`));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 id="post-title">Hello, Writing!</h1>');
    expect(page.text).toMatch(
      /<p class="post__paragraph">First paragraph\nsame paragraph.<\/p><p class="post__paragraph">Second &lt;em&gt;paragraph&lt;\/em&gt;.<\/p>/,
    );
    expect(page.text).not.toContain("Edit this post");
    expect(await html(await owner.browser.get(`/writing/${slug}`)).then((own) => own.text)).toContain("Edit this post");

    const [audit] = await auditOf("post.created");
    expect(audit).toMatchObject({
      actor_id: owner.id,
      resource_type: "post",
      resource_id: row!.id,
      metadata: { slug, title: "Hello, Writing!" },
    });
  });

  it("reports bad fields with 400 next to each field, keeping the typed values", async () => {
    const response = await owner.browser.post("/writing/new", {
      title: "",
      slug: "Not A Slug",
      summary: "kept summary",
      body: "   ",
    });
    const page = await html(response);
    expect(page.status).toBe(400);
    expect(page.text).toContain("Enter a title");
    expect(page.text).toContain("Use lowercase letters, digits and single hyphens between them");
    expect(page.text).toContain("Write the post");
    expect(page.text).toContain('value="Not A Slug"');
    expect(page.text).toContain('value="kept summary"');

    const tooLong = await html(await owner.browser.post("/writing/new", { title: "Long", body: "w".repeat(100_001) }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain("Keep the post to 100,000 characters");
    const notAForm = await owner.browser.send("/writing/new", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(notAForm.status).toBe(400);
    expect(await database.db.selectFrom("posts").select("id").where("title", "=", "Long").execute()).toEqual([]);
  });

  it("refuses a slug another post has with 409 on the slug field, keeping every value", async () => {
    await writePost(owner.browser, { title: "Taken", slug: "taken-slug", body: "The first one." });
    const page = await html(
      await owner.browser.post("/writing/new", {
        title: "Another title",
        slug: "taken-slug",
        summary: "",
        body: "A body worth keeping <3",
      }),
    );
    expect(page.status).toBe(409);
    expect(page.text).toMatch(/class="field__error">Another post already uses this slug.</);
    expect(page.text).toContain('value="Another title"');
    expect(page.text).toContain('value="taken-slug"');
    expect(page.text).toContain("A body worth keeping &lt;3</textarea>");
    // Derived slugs clash the same way.
    expect((await owner.browser.post("/writing/new", { title: "Taken slug", slug: "", body: "x" })).status).toBe(409);
    expect(await database.db.selectFrom("posts").select("id").where("slug", "=", "taken-slug").execute()).toHaveLength(
      1,
    );
  });

  it("edits (also the slug) and deletes, with audit entries; members cannot", async () => {
    const slug = await writePost(owner.browser, { title: "Draft title", body: "Draft body." });
    expect((await member.browser.post(`/writing/${slug}/edit`, { title: "Hijacked", body: "x" })).status).toBe(403);
    expect((await member.browser.post(`/writing/${slug}/edit`, { intent: "delete" })).status).toBe(403);
    expect((await guest().get(`/writing/${slug}/edit`)).status).toBe(302);
    expect(await postRow(slug)).toMatchObject({ title: "Draft title" });

    const edit = await html(await owner.browser.get(`/writing/${slug}/edit`));
    expect(edit.text).toContain('value="Draft title"');
    expect(edit.text).toContain("Draft body.</textarea>");

    const saved = await owner.browser.post(`/writing/${slug}/edit`, {
      title: "Final title",
      slug: "final-title",
      summary: "",
      body: "Final body.",
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/writing/final-title?done=saved");
    expect((await guest().get(`/writing/${slug}`)).status).toBe(404);
    expect(await html(await guest().get("/writing/final-title")).then((page) => page.text)).toContain("Final body.");
    expect((await auditOf("post.updated")).at(-1)).toMatchObject({
      actor_id: owner.id,
      metadata: { slug: "final-title", previousSlug: slug },
    });

    // Renaming onto another post's slug is the same field error.
    expect(
      (
        await owner.browser.post("/writing/final-title/edit", {
          title: "Final title",
          slug: "taken-slug",
          body: "Final body.",
        })
      ).status,
    ).toBe(409);

    const deleted = await owner.browser.post("/writing/final-title/edit", { intent: "delete" });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe("/writing?done=deleted");
    expect(await html(await owner.browser.get("/writing?done=deleted")).then((page) => page.text)).toContain(
      "The post is deleted.",
    );
    expect((await guest().get("/writing/final-title")).status).toBe(404);
    expect(await postRow("final-title")).toBeUndefined();
    expect((await auditOf("post.deleted")).at(-1)).toMatchObject({
      actor_id: owner.id,
      metadata: { slug: "final-title", title: "Final title" },
    });
    expect((await owner.browser.post("/writing/final-title/edit", { intent: "delete" })).status).toBe(404);
  });
});

describe("search", () => {
  it("ranks a title match above a body-only match, whatever their ages", async () => {
    const inTitle = await writePost(owner.browser, { title: "Zeppelin maintenance", body: "Notes on airships." });
    const inBody = await writePost(owner.browser, {
      title: "Notes from the hangar",
      body: "We talked about the zeppelin for an hour, then the zeppelin again.",
    });
    const page = await search("zeppelin");
    expect(page.status).toBe(200);
    expect(listedSlugs(page.text)).toEqual([inTitle, inBody]);
  });

  it("understands websearch syntax: quoted phrases, or, -word", async () => {
    const phrase = await writePost(owner.browser, {
      title: "Entangled",
      body: "A note on quantum entanglement in practice.",
    });
    const reversed = await writePost(owner.browser, {
      title: "Reversed",
      body: "Entanglement, quantum or not, is hard to explain.",
    });
    const walrus = await writePost(owner.browser, { title: "Walrus", body: "A walrus in the harbour." });
    const narwhal = await writePost(owner.browser, { title: "Narwhal", body: "A narwhal in the fjord." });

    expect(listedSlugs((await search('"quantum entanglement"')).text)).toEqual([phrase]);
    expect(listedSlugs((await search("quantum entanglement")).text).sort()).toEqual([phrase, reversed].sort());
    expect(listedSlugs((await search("quantum -harder -explain")).text)).toEqual([phrase]);
    expect(listedSlugs((await search("walrus or narwhal")).text).sort()).toEqual([narwhal, walrus].sort());
    expect(listedSlugs((await search("walrus narwhal")).text)).toEqual([]);
  });

  it("says when nothing matches, and treats an empty query as the list", async () => {
    const none = await search("xylophonist");
    expect(none.status).toBe(200);
    expect(none.text).toContain("No posts match “xylophonist”.");
    const blank = await search("   ");
    expect(blank.text).not.toContain("No posts match");
    expect(listedSlugs(blank.text).length).toBeGreaterThan(0);
  });

  it("marks hits in snippets and titles without ever turning the post's text into HTML", async () => {
    const slug = await writePost(owner.browser, {
      title: "Capybara <b>bold</b> claims",
      body: `Before </p><script>alert("x")</script> the capybara <img src=x onerror=alert(1)> rests. ${"Filler words here. ".repeat(20)}`,
    });
    const page = await search("capybara");
    expect(listedSlugs(page.text)).toEqual([slug]);
    expect(page.text).toContain("<mark>capybara</mark>");
    expect(page.text).toMatch(/<mark>Capybara<\/mark>/);
    expect(page.text).not.toMatch(/<script>alert|<img src=x|<b>bold|<\/p><script/);
    expect(page.text).not.toContain(HIT_START);
    expect(page.text).not.toContain(HIT_END);
    const article = await html(await guest().get(`/writing/${slug}`));
    expect(article.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(article.text).toContain("Capybara &lt;b&gt;bold&lt;/b&gt; claims");
  });

  it("refuses queries over 200 characters with 400 and keeps the search box; hostile ones are just words", async () => {
    const long = await search("a".repeat(201));
    expect(long.status).toBe(400);
    expect(long.text).toContain("Search for at most 200 characters.");
    expect(long.text).toContain(`value="${"a".repeat(200)}"`);
    for (const hostile of [
      "'; drop table posts; --",
      "!!! ((( ::* <-> & | \\",
      '"unclosed',
      "-",
      "or or or",
      "\u0000zeppelin",
      "😀 ☃",
      "the a of",
    ]) {
      const page = await search(hostile);
      expect(page.status, hostile).toBe(200);
    }
    expect(listedSlugs((await search("\u0000zeppelin")).text).length).toBe(2);
    expect(
      await database.db
        .selectFrom("posts")
        .select(sql<number>`count(*)::int`.as("n"))
        .executeTakeFirstOrThrow(),
    ).not.toEqual({ n: 0 });
  });
});

describe("pagination", () => {
  it("walks every post exactly once, newest first, also when posts share a publication time", async () => {
    for (let i = 0; i < 7; i++)
      await writePost(owner.browser, { title: `Paging post ${i}`, body: `Paging filler ${i} pagination.` });
    // Five posts published in the same microsecond: only the id tells them apart.
    const same = new Date("2026-01-01T12:00:00Z");
    await database.db
      .insertInto("posts")
      .values(
        Array.from({ length: 5 }, (_, i) => ({
          author_id: owner.id,
          slug: `tie-${i}`,
          title: `Tie ${i}`,
          body: `Tied pagination ${i}`,
          published_at: same,
        })),
      )
      .execute();
    const expected = await database.db
      .selectFrom("posts")
      .select("slug")
      .orderBy("published_at", "desc")
      .orderBy("id", "desc")
      .execute();
    expect(expected.length).toBeGreaterThan(20);

    const pages = await walkPages(guest(), "/writing", "Older posts");
    expect(pages.length).toBe(Math.ceil(expected.length / 10));
    expect(pages.every((page) => page.length > 0 && page.length <= 10)).toBe(true);
    expect(pages.flat()).toEqual(expected.map((row) => row.slug));
  });

  it("walks every search result exactly once, best first", async () => {
    const matching = await database.db
      .selectFrom("posts")
      .select("slug")
      .where(sql<boolean>`search @@ websearch_to_tsquery('english', 'pagination')`)
      .execute();
    expect(matching.length).toBe(12);
    const pages = await walkPages(guest(), "/writing?q=pagination", "More results");
    expect(pages.map((page) => page.length)).toEqual([10, 2]);
    expect(pages.flat().sort()).toEqual(matching.map((row) => row.slug).sort());
  });

  it("answers a forged or mismatched cursor with 400, never a 500", async () => {
    const first = await html(await guest().get("/writing"));
    const older = linkTo(first.text, "Older posts")!;
    const listCursor = new URL(older, server.url).searchParams.get("after")!;
    // Well-formed, but beyond what Postgres takes back as timestamptz / real.
    const id = "0b7a1c7e-8f7d-4f7e-9a52-2d4a3c1b9e10";
    const outOfRange = [
      `/writing?after=${Buffer.from(JSON.stringify({ at: "0000-01-01T00:00:00.000000Z", id })).toString("base64url")}`,
      `/writing?q=pagination&after=${Buffer.from(JSON.stringify({ rank: 1e300, id })).toString("base64url")}`,
    ];
    for (const path of [
      "/writing?after=garbage",
      `/writing?after=${"A".repeat(300)}`,
      `/writing?q=pagination&after=${listCursor}`,
      "/writing?after=",
      `/writing?after=${Buffer.from('{"at":"2026-01-01T00:00:00.000000Z","id":"not-a-uuid"}').toString("base64url")}`,
      ...outOfRange,
    ]) {
      const response = await guest().get(path);
      expect(response.status, path).toBe(400);
      expect(await response.text()).toContain("That page link is not valid.");
    }
  });
});

it("answers unknown and malformed post addresses with 404 (400 for a path with a control character)", async () => {
  for (const path of [
    "/writing/no-such-post",
    "/writing/Not_A_Slug",
    `/writing/${"a".repeat(500)}`,
    "/writing/new-post-that-is-not/edit",
  ]) {
    const response = await (path.endsWith("/edit") ? owner.browser : guest()).get(path);
    expect(response.status, path).toBe(404);
  }
  expect((await guest().get("/writing/%00")).status).toBe(400);
});
