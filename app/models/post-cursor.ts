import { z } from "zod";
import { postIdSchema } from "./post.ts";

/**
 * Pagination of the writing list and its search results: keyset cursors (no offsets), opaque to
 * the visitor (base64url JSON), checked again when they come back.
 */
export const PAGE_SIZE = 10;

/**
 * Where the next page starts: after the last post shown. The list orders by (published_at, id)
 * newest first; a search by (rank, id). `at` keeps Postgres' microseconds (a JS Date would cut
 * them and skip or repeat posts), `rank` is the float4 Postgres ranked with.
 */
// Bounded to what Postgres accepts back (timestamptz from year 1, real up to 3.4e38): a forged
// cursor outside them is a 400, not a failed query.
const listCursorSchema = z.strictObject({
  at: z.iso.datetime({ precision: 6 }).refine((at) => !at.startsWith("0000")),
  id: postIdSchema,
});
const searchCursorSchema = z.strictObject({ rank: z.number().finite().nonnegative().max(3.4e38), id: postIdSchema });
export type ListCursor = z.infer<typeof listCursorSchema>;
export type SearchCursor = z.infer<typeof searchCursorSchema>;

export function encodeCursor(cursor: ListCursor | SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeWith<T>(schema: z.ZodType<T>, token: string): T | null {
  if (token.length > 200) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const decodeListCursor = (token: string) => decodeWith(listCursorSchema, token);
export const decodeSearchCursor = (token: string) => decodeWith(searchCursorSchema, token);

export interface PostPage<T> {
  readonly posts: readonly T[];
  /** The cursor of the page after this one; null on the last page. */
  readonly next: string | null;
}
