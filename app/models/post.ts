import { z } from "zod";
import { hasRole, type User, type UserId } from "./user.ts";

/**
 * Writing: the site owner's posts. The rules of a post's fields, its slug, its plain-text body,
 * the search query, the list's cursor, and how a search snippet marks its hits.
 */

/** Posts are the site owner's voice: admins write them (moderators look after the chat, not this). */
export function mayWritePosts(viewer: Pick<User, "role"> | null): boolean {
  return viewer !== null && hasRole(viewer, "admin");
}

export const postIdSchema = z.uuid().brand<"PostId">();
export type PostId = z.infer<typeof postIdSchema>;

export const TITLE_MAX = 160;
export const SUMMARY_MAX = 300;
export const BODY_MAX = 100_000;
export const SLUG_MAX = 80;
/** Paths under /writing that are pages of their own, so no post may take them as its slug. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(["new"]);

/**
 * Control characters (which Postgres text cannot always hold, and which the snippet's hit markers
 * use) are dropped; line breaks and tabs are kept; Windows line ends become "\n".
 */
const printable = (value: string) => value.replace(/\r\n?/g, "\n").replace(/[^\P{Cc}\n\t]/gu, "");
const oneLine = (value: string) => printable(value).replace(/\s+/g, " ").trim();

export const postTitleSchema = z
  .string({ error: "Enter a title" })
  .transform(oneLine)
  .pipe(z.string().min(1, "Enter a title").max(TITLE_MAX, `Keep the title to ${TITLE_MAX} characters`))
  .brand<"PostTitle">();
export type PostTitle = z.infer<typeof postTitleSchema>;

export const postSlugSchema = z
  .string({ error: "Enter a slug" })
  .trim()
  .toLowerCase()
  .min(1, "Enter a slug")
  .max(SLUG_MAX, `Keep the slug to ${SLUG_MAX} characters`)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single hyphens between them")
  .refine((slug) => !RESERVED_SLUGS.has(slug), "This slug is reserved: choose another")
  .brand<"PostSlug">();
export type PostSlug = z.infer<typeof postSlugSchema>;

/** An optional one-paragraph summary; empty means none. */
export const postSummarySchema = z
  .string()
  .transform(oneLine)
  .pipe(z.string().max(SUMMARY_MAX, `Keep the summary to ${SUMMARY_MAX} characters`))
  .transform((summary) => summary || null);

/** Plain text: paragraphs are separated by blank lines. Never rendered as HTML or markdown. */
export const postBodySchema = z
  .string({ error: "Write the post" })
  .transform((body) => printable(body).trim())
  .pipe(
    z
      .string()
      .min(1, "Write the post")
      .max(BODY_MAX, `Keep the post to ${BODY_MAX.toLocaleString("en")} characters`),
  )
  .brand<"PostBody">();
export type PostBody = z.infer<typeof postBodySchema>;

/**
 * The slug a title suggests: accents dropped, lowercase, words joined by hyphens, cut at a word
 * boundary within the limit. Null when the title has no letters or digits to build one from.
 */
export function slugFromTitle(title: string): PostSlug | null {
  const words = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = "";
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > SLUG_MAX) break;
    slug = next;
  }
  if (!slug && words[0]) slug = words[0].slice(0, SLUG_MAX);
  const parsed = postSlugSchema.safeParse(slug);
  return parsed.success ? parsed.data : null;
}

/** What an author writes; the slug is already chosen (typed, or derived from the title). */
export interface PostDraft {
  readonly title: PostTitle;
  readonly slug: PostSlug;
  readonly summary: string | null;
  readonly body: PostBody;
}

export interface Post extends PostDraft {
  readonly id: PostId;
  readonly authorId: UserId | null;
  readonly authorName: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly publishedAt: Date;
}

/** A post as a list shows it: no body. */
export type PostSummary = Omit<Post, "body">;

/** A search result: the post, its rank, and its title and snippet with the hits marked (see `highlightSegments`). */
export interface PostMatch extends PostSummary {
  readonly rank: number;
  readonly titleMarked: string;
  readonly snippet: string;
}

/** The body's paragraphs: text separated by blank lines; single line breaks stay inside a paragraph. */
export function paragraphsOf(body: string): string[] {
  return body
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
}

// ─── Search ──────────────────────────────────────────────────────────────────────────────────────

export const SEARCH_QUERY_MAX = 200;

/**
 * A search as typed (`websearch_to_tsquery` syntax: "quoted phrases", `or`, `-word`): control
 * characters dropped, whitespace collapsed. Empty means "no search": the list. Longer than
 * `SEARCH_QUERY_MAX` is refused rather than cut, so a result never answers a different question.
 */
const searchQuerySchema = z.string().brand<"SearchQuery">();
export type SearchQuery = z.infer<typeof searchQuerySchema>;
export type NormalisedQuery =
  { readonly ok: true; readonly query: SearchQuery | null } | { readonly ok: false; readonly typed: string };

export function normaliseSearchQuery(raw: string | null | undefined): NormalisedQuery {
  const query = oneLine(raw ?? "");
  if (query.length > SEARCH_QUERY_MAX) return { ok: false, typed: query.slice(0, SEARCH_QUERY_MAX) };
  return { ok: true, query: query ? searchQuerySchema.parse(query) : null };
}

/** Hit markers `ts_headline` puts around matched words: control characters, which no stored text contains. */
export const HIT_START = "\u0001";
export const HIT_END = "\u0002";

export interface TextSegment {
  readonly text: string;
  readonly hit: boolean;
}

/** A marked snippet as text segments, hits flagged: the page renders each as text, never as HTML. */
export function highlightSegments(marked: string): TextSegment[] {
  const segments: TextSegment[] = [];
  for (const [index, part] of marked.split(HIT_START).entries()) {
    const end = part.indexOf(HIT_END);
    const [hit, rest] = index === 0 || end < 0 ? ["", part] : [part.slice(0, end), part.slice(end + 1)];
    if (hit) segments.push({ text: hit, hit: true });
    const plain = rest.replaceAll(HIT_END, "");
    if (plain) segments.push({ text: plain, hit: false });
  }
  return segments;
}
