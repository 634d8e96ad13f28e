import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseNote } from "#app/models/note.ts";
import { notes } from "#app/models/notes-content.server.ts";
import { createContentService, renderMarkdown } from "#app/services/content.server.ts";

const CONTENT = new URL("../../content/", import.meta.url);
const DECISIONS = new URL("../../docs/decisions/", import.meta.url);

describe("engineering notes", () => {
  it("parses the number, title, date and status of a decision record", () => {
    const note = parseNote(
      "0016-abuse-limits.md",
      "# 16. Limits against one client\n\nDate: 2026-12-04 · Status: accepted\n\n**Context.** Text.",
    );
    expect(note).toMatchObject({
      slug: "0016-abuse-limits",
      number: 16,
      title: "Limits against one client",
      date: "2026-12-04",
      status: "accepted",
    });
    expect(note?.markdown).toBe("**Context.** Text.");
    expect(parseNote("README.md", "# Decisions")).toBeUndefined();
  });

  it("carries every numbered decision file of docs/decisions, in order", () => {
    const files = readdirSync(DECISIONS).filter((name) => /^\d{4}-.*\.md$/.test(name));
    expect(notes.map((note) => `${note.slug}.md`)).toEqual(files.sort());
  });

  it("every decision has a date and a status, and the index lists each as its file says", () => {
    for (const note of notes) {
      expect(note.date, note.slug).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(note.status, note.slug).toMatch(/^(accepted|superseded by \d{4})\b/);
    }
    const index = readFileSync(new URL("README.md", DECISIONS), "utf8");
    const rows = [...index.matchAll(/^\| \[(\d{4})\]\((\S+)\.md\) \| (.+) \| (.+) \| (\S+) \|$/gm)].map(
      ([, , slug, title, status, date]) => ({ slug, title, status, date }),
    );
    expect(rows).toEqual(notes.map(({ slug, title, status, date }) => ({ slug, title, status, date })));
  });

  it("renders markdown with raw HTML escaped", () => {
    const html = renderMarkdown('**Decision.** <script>alert(1)</script> <img src=x onerror="alert(1)"> `code`');
    expect(html).toContain("<strong>Decision.</strong>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<img");
    expect(html).toContain("<code>code</code>");
  });

  it("gives each note its neighbours, and nothing for an unknown slug", () => {
    const content = createContentService();
    const second = content.note(notes[1]!.slug);
    expect(second?.previous?.slug).toBe(notes[0]!.slug);
    expect(second?.next?.slug).toBe(notes[2]!.slug);
    expect(content.note("9999-no-such-note" as never)).toBeUndefined();
  });

  it("every /notes link in the content files names an existing note", () => {
    const slugs = new Set(notes.map((note) => note.slug));
    const links = readdirSync(CONTENT)
      .filter((name) => name.endsWith(".json"))
      .flatMap((name) =>
        [...readFileSync(new URL(name, CONTENT), "utf8").matchAll(/"\/notes\/([^"#?]+)"/g)].map((match) => ({
          name,
          slug: match[1] ?? "",
        })),
      );
    expect(links.length).toBeGreaterThan(0);
    for (const { name, slug } of links) expect(slugs.has(slug as never), `${name} links to /notes/${slug}`).toBe(true);
  });
});
