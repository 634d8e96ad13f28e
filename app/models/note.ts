import { z } from "zod";

/**
 * An engineering note: one of the architecture decision records in `docs/decisions/`, as the site
 * shows it under `/notes/<slug>`. The slug is the file name without `.md` ("0016-abuse-limits");
 * the title is its first heading, without the "16." numbering; "Date: … · Status: …" is read when present.
 */
export const noteSlugSchema = z
  .string()
  .regex(/^\d{4}-[a-z0-9-]+$/)
  .brand<"NoteSlug">();
export type NoteSlug = z.infer<typeof noteSlugSchema>;

export interface Note {
  readonly slug: NoteSlug;
  readonly number: number;
  readonly title: string;
  readonly date?: string;
  readonly status?: string;
  /** The body after the title line, as markdown. */
  readonly markdown: string;
}

const META = /^Date:\s*([^·]+?)\s*(?:·\s*Status:\s*(.+?))?\s*$/;

export const notePath = (slug: NoteSlug): string => `/notes/${slug}`;

/** Parses one decision file; undefined for a file that is not a numbered decision (an index). */
export function parseNote(fileName: string, source: string): Note | undefined {
  const slug = noteSlugSchema.safeParse(fileName.replace(/\.md$/, ""));
  if (!slug.success) return undefined;
  const [first = "", ...rest] = source.replace(/\r\n/g, "\n").split("\n");
  const title = first
    .replace(/^#\s*/, "")
    .replace(/^\d+\.\s*/, "")
    .trim();
  // "Date: … · Status: …" near the top is shown apart from the body, not in it.
  const metaIndex = rest.slice(0, 4).findIndex((line) => META.test(line));
  const meta = metaIndex === -1 ? null : META.exec(rest[metaIndex] ?? "");
  return {
    slug: slug.data,
    number: Number(slug.data.slice(0, 4)),
    title: title || slug.data,
    date: meta?.[1],
    status: meta?.[2],
    markdown: rest
      .filter((_, index) => index !== metaIndex)
      .join("\n")
      .trim(),
  };
}
