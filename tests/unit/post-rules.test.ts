import { describe, expect, it } from "vitest";
import { parsePostForm } from "#app/http/post-forms.ts";
import {
  BODY_MAX,
  HIT_END,
  HIT_START,
  highlightSegments,
  mayWritePosts,
  normaliseSearchQuery,
  paragraphsOf,
  postBodySchema,
  postIdSchema,
  postSlugSchema,
  postSummarySchema,
  postTitleSchema,
  SEARCH_QUERY_MAX,
  SLUG_MAX,
  slugFromTitle,
  TITLE_MAX,
} from "#app/models/post.ts";
import { decodeListCursor, decodeSearchCursor, encodeCursor } from "#app/models/post-cursor.ts";

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe("post fields", () => {
  it("titles: one line, whitespace collapsed, 1 to 160 characters", () => {
    expect(postTitleSchema.parse("  Hello,\n  world\t! ")).toBe("Hello, world !");
    expect(postTitleSchema.parse("x".repeat(TITLE_MAX))).toHaveLength(TITLE_MAX);
    for (const bad of ["", "   \n ", "x".repeat(TITLE_MAX + 1), "\u0000\u0001"])
      expect(postTitleSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it("slugs: lowercase words joined by single hyphens, at most 80 characters, not a reserved path", () => {
    expect(postSlugSchema.parse(" Full-Text-Search-2 ")).toBe("full-text-search-2");
    expect(postSlugSchema.parse("a".repeat(SLUG_MAX))).toHaveLength(SLUG_MAX);
    for (const bad of [
      "",
      "a".repeat(SLUG_MAX + 1),
      "two  words",
      "double--hyphen",
      "-leading",
      "trailing-",
      "ünï",
      "a/b",
      "new",
      "../etc",
    ]) {
      expect(postSlugSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("a slug derived from a title drops accents and punctuation, and stops at a word within the limit", () => {
    expect(slugFromTitle("Crème brûlée: a Postgres story!")).toBe("creme-brulee-a-postgres-story");
    expect(slugFromTitle("  Why   websearch_to_tsquery? ")).toBe("why-websearch-to-tsquery");
    const long = slugFromTitle(`${"word ".repeat(30)}end`);
    expect(long).toMatch(/^word(-word)*$/);
    expect(long!.length).toBeLessThanOrEqual(SLUG_MAX);
    expect(slugFromTitle("x".repeat(200))).toBe("x".repeat(SLUG_MAX));
    expect(slugFromTitle("!!! ???")).toBeNull();
    expect(slugFromTitle("New")).toBeNull();
  });

  it("bodies: plain text kept as typed, trimmed, control characters (the hit markers among them) dropped, CRLF normalised", () => {
    expect(postBodySchema.parse("  first\r\n\r\nsecond <b>bold</b>\u0001\u0002 \n")).toBe(
      "first\n\nsecond <b>bold</b>",
    );
    expect(postBodySchema.safeParse(" \n\t ").success).toBe(false);
    expect(postBodySchema.safeParse("x".repeat(BODY_MAX + 1)).success).toBe(false);
    expect(postSummarySchema.parse("   ")).toBeNull();
    expect(postSummarySchema.parse(" one\nline ")).toBe("one line");
  });

  it("paragraphs are separated by blank lines; single line breaks stay inside one", () => {
    expect(paragraphsOf("one\ntwo\n\n  \nthree\n \t\nfour")).toEqual(["one\ntwo", "three", "four"]);
  });

  it("only admins may write", () => {
    expect(mayWritePosts(null)).toBe(false);
    expect(mayWritePosts({ role: "member" })).toBe(false);
    expect(mayWritePosts({ role: "moderator" })).toBe(false);
    expect(mayWritePosts({ role: "admin" })).toBe(true);
  });
});

describe("the writing form", () => {
  it("derives the slug from the title when it is left empty, and takes a typed one otherwise", () => {
    const derived = parsePostForm(form({ title: "Hello World", slug: "  ", summary: "", body: "Text" }));
    expect(derived).toEqual({
      ok: true,
      draft: { title: "Hello World", slug: "hello-world", summary: null, body: "Text" },
    });
    const typed = parsePostForm(form({ title: "Hello World", slug: "greeting", body: "Text" }));
    expect(typed.ok && typed.draft.slug).toBe("greeting");
  });

  it("reports every bad field at once and keeps what was typed", () => {
    const result = parsePostForm(form({ title: "", slug: "Bad Slug!", summary: "fine", body: "" }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(["body", "slug", "title"]);
    expect(result.values).toEqual({ title: "", slug: "Bad Slug!", summary: "fine", body: "" });
  });

  it("asks for a slug when the title has nothing to make one from", () => {
    const result = parsePostForm(form({ title: "???", slug: "", body: "Text" }));
    expect(result.ok ? null : result.errors.slug).toMatch(/enter one/);
  });
});

describe("search queries", () => {
  it("empty or whitespace means no search", () => {
    for (const empty of [null, undefined, "", "   ", "\u0000\t\n"])
      expect(normaliseSearchQuery(empty)).toEqual({ ok: true, query: null });
  });

  it("collapses whitespace, drops control characters, keeps websearch syntax", () => {
    expect(normaliseSearchQuery('  "full  text"\u0000 or  -search ')).toEqual({
      ok: true,
      query: '"full text" or -search',
    });
  });

  it("refuses more than 200 characters instead of answering a shorter question", () => {
    expect(normaliseSearchQuery("q".repeat(SEARCH_QUERY_MAX)).ok).toBe(true);
    const long = normaliseSearchQuery("q".repeat(SEARCH_QUERY_MAX + 1));
    expect(long).toEqual({ ok: false, typed: "q".repeat(SEARCH_QUERY_MAX) });
  });
});

describe("snippet highlighting", () => {
  it("splits a marked snippet into text segments; markup inside stays text", () => {
    expect(highlightSegments(`a ${HIT_START}<script>${HIT_END} b ${HIT_START}fox${HIT_END}`)).toEqual([
      { text: "a ", hit: false },
      { text: "<script>", hit: true },
      { text: " b ", hit: false },
      { text: "fox", hit: true },
    ]);
  });

  it("stray or unbalanced markers never leak into the text", () => {
    expect(highlightSegments(`x${HIT_END}y${HIT_START}z`)).toEqual([
      { text: "xy", hit: false },
      { text: "z", hit: false },
    ]);
    expect(highlightSegments("")).toEqual([]);
  });
});

describe("cursors", () => {
  const id = postIdSchema.parse("0b7a1c7e-8f7d-4f7e-9a52-2d4a3c1b9e10");

  it("round-trip", () => {
    const list = { at: "2026-11-21T17:43:06.123456Z", id };
    expect(decodeListCursor(encodeCursor(list))).toEqual(list);
    expect(decodeSearchCursor(encodeCursor({ rank: 0.25, id }))).toEqual({ rank: 0.25, id });
  });

  it("anything else decodes to null, never throws", () => {
    const bad = [
      "",
      "not base64 !",
      "x".repeat(500),
      encodeCursor({ rank: 0.25, id }),
      Buffer.from('{"at":"yesterday","id":"x"}').toString("base64url"),
      Buffer.from("[]").toString("base64url"),
    ];
    for (const token of bad) expect(decodeListCursor(token), token).toBeNull();
    expect(decodeSearchCursor(encodeCursor({ at: "2026-11-21T17:43:06.123456Z", id }))).toBeNull();
    expect(decodeSearchCursor(Buffer.from(`{"rank":-1,"id":"${id}"}`).toString("base64url"))).toBeNull();
  });
});
