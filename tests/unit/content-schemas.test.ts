import { describe, expect, it } from "vitest";
import homeJson from "#content/home.json";
import workJson from "#content/work.json";
import { workContent } from "#app/models/page-content.ts";
import { ContentError, homeSchema, parseContent } from "#app/models/content.ts";
import { workSchema } from "#app/models/work.ts";

/** The error parseContent throws for this input, or a failure when it throws none. */
function problemWith(parse: () => unknown): ContentError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ContentError) return error;
    throw error;
  }
  throw new Error("the content was accepted");
}

describe("content files", () => {
  it("the shipped files parse, with a case study for each of the spec's /work pages", () => {
    expect(workContent.studies.map((study) => study.slug)).toEqual(
      expect.arrayContaining(["chat-realtime", "command-sse", "operational-visibility"]),
    );
  });

  it("a broken file is refused with its name and every offending field", () => {
    const [first, second] = workJson.studies;
    const broken = {
      ...workJson,
      studies: [{ ...first, title: "   ", lab: { label: "See it", section: "no-such-section" } }, second],
    };
    const error = problemWith(() => parseContent("content/work.json", workSchema, broken));
    expect(error.message).toMatch(/^content\/work\.json does not match its schema:\n/);
    expect(error.message).toContain("  - studies.0.title: must not be empty");
    expect(error.message).toMatch(/ {2}- studies\.0\.lab\.section: .*"chat"/);
  });

  it("two case studies may not share a slug (one address, one page)", () => {
    const [first, second] = workJson.studies;
    const broken = { ...workJson, studies: [first, { ...second, slug: first?.slug }] };
    const error = problemWith(() => parseContent("content/work.json", workSchema, broken));
    expect(error.message).toContain(`  - studies.1.slug: "${first?.slug}" is used twice`);
  });

  it("names missing fields, wrong types and links that lead nowhere", () => {
    const broken = {
      ...homeJson,
      closing: undefined,
      hero: { ...homeJson.hero, actions: [{ label: "Go", href: "javascript:alert(1)" }] },
    };
    const message = problemWith(() => parseContent("content/home.json", homeSchema, broken)).message;
    expect(message).toContain("content/home.json");
    expect(message).toContain(
      "  - hero.actions.0.href: must be a path on this site (/…), an http(s) URL or a mailto: address",
    );
    expect(message).toContain("  - closing: Invalid input: expected object, received undefined");
    expect(problemWith(() => parseContent("content/home.json", homeSchema, [])).message).toContain(
      "  - (the whole file):",
    );
  });

  it("case study slugs are lowercase words joined by hyphens", () => {
    const withSlug = (slug: string) => ({ ...workJson, studies: [{ ...workJson.studies[0], slug }] });
    for (const slug of ["Chat", "chat_realtime", "-chat", "chat--realtime", "chat/realtime", ""]) {
      expect(problemWith(() => parseContent("content/work.json", workSchema, withSlug(slug))).message, slug).toContain(
        "studies.0.slug",
      );
    }
  });
});
