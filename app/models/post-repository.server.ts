import { sql, type Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import {
  HIT_END,
  HIT_START,
  type Post,
  type PostBody,
  type PostDraft,
  type PostId,
  type PostMatch,
  type PostSlug,
  type PostSummary,
  type PostTitle,
  type SearchQuery,
} from "./post.ts";
import { encodeCursor, type ListCursor, type PostPage, type SearchCursor } from "./post-cursor.ts";
import type { UserId } from "./user.ts";

/**
 * Post rows, and the full-text search over them. Every query runs on the Kysely it is given: the
 * service hands reads that tolerate replica lag the read pool's, writes the primary's.
 */
export type SaveResult = { readonly ok: true; readonly post: Post } | { readonly ok: false; readonly taken: "slug" };

// The text search configuration the `search` column is generated with (db/migrations/0009_posts.ts).
const config = sql.lit("english");
// ts_headline's options: hits wrapped in control characters that no stored text contains (post.ts).
const headlineOptions = `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;
const titleOptions = `StartSel=${HIT_START}, StopSel=${HIT_END}, HighlightAll=true`;

export function createPostRepository(db: Kysely<Database>) {
  const posts = () =>
    db
      .selectFrom("posts")
      .leftJoin("users", "users.id", "posts.author_id")
      .select([
        "posts.id",
        "posts.author_id",
        "users.username",
        "posts.slug",
        "posts.title",
        "posts.summary",
        "posts.created_at",
        "posts.updated_at",
        "posts.published_at",
      ]);

  return {
    /** Every post's slug and last change, newest first, at most `limit` (the sitemap). */
    async index(limit: number): Promise<{ slug: PostSlug; updatedAt: Date }[]> {
      const rows = await db
        .selectFrom("posts")
        .select(["slug", "updated_at"])
        .orderBy("published_at", "desc")
        .limit(limit)
        .execute();
      return rows.map((row) => ({ slug: row.slug as PostSlug, updatedAt: row.updated_at }));
    },

    /** Inserts the post, or reports the slug as taken (also when a concurrent insert won). */
    async create(authorId: UserId, draft: PostDraft): Promise<SaveResult> {
      const row = await db
        .insertInto("posts")
        .values({ author_id: authorId, ...draft })
        .onConflict((oc) => oc.column("slug").doNothing())
        .returning("id")
        .executeTakeFirst();
      return row ? { ok: true, post: await this.require(row.id as PostId) } : { ok: false, taken: "slug" };
    },

    /** Replaces the post's text (and maybe its slug); null when it no longer exists. */
    async update(id: PostId, draft: PostDraft): Promise<SaveResult | null> {
      try {
        const row = await db
          .updateTable("posts")
          .set({ ...draft, updated_at: new Date() })
          .where("id", "=", id)
          .returning("id")
          .executeTakeFirst();
        return row ? { ok: true, post: await this.require(id) } : null;
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, taken: "slug" };
        throw error;
      }
    },

    /** Deletes the post; what it was, or null when it was already gone. */
    async remove(id: PostId): Promise<Pick<PostSummary, "id" | "slug" | "title"> | null> {
      const row = await db
        .deleteFrom("posts")
        .where("id", "=", id)
        .returning(["id", "slug", "title"])
        .executeTakeFirst();
      return row ? { id, slug: row.slug as PostSlug, title: row.title as PostTitle } : null;
    },

    async findBySlug(slug: PostSlug): Promise<Post | null> {
      const row = await posts().select("posts.body").where("posts.slug", "=", slug).executeTakeFirst();
      return row ? toPost(row) : null;
    },

    async require(id: PostId): Promise<Post> {
      return toPost(await posts().select("posts.body").where("posts.id", "=", id).executeTakeFirstOrThrow());
    },

    /** Newest first, `limit` at a time, after `cursor`. */
    async list(cursor: ListCursor | null, limit: number): Promise<PostPage<PostSummary>> {
      let query = posts()
        .select(
          sql<string>`to_char(posts.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
            "published_key",
          ),
        )
        .orderBy("posts.published_at", "desc")
        .orderBy("posts.id", "desc")
        .limit(limit + 1);
      if (cursor)
        query = query.where(
          sql<boolean>`(posts.published_at, posts.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
        );
      const rows = await query.execute();
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        posts: shown.map(toSummary),
        next: rows.length > limit && last ? encodeCursor({ at: last.published_key, id: last.id as PostId }) : null,
      };
    },

    /**
     * Posts matching a `websearch_to_tsquery` query, best first (`ts_rank_cd`: title hits weigh
     * more than summary hits, which weigh more than body hits), with the title and a snippet marked.
     */
    async search(text: SearchQuery, cursor: SearchCursor | null, limit: number): Promise<PostPage<PostMatch>> {
      const query = sql`websearch_to_tsquery(${config}, ${text})`;
      let ranked = db
        .selectFrom(
          db
            .selectFrom("posts")
            .select(["posts.id", sql<number>`ts_rank_cd(posts.search, ${query})`.as("rank")])
            .where(sql<boolean>`posts.search @@ ${query}`)
            .as("ranked"),
        )
        .innerJoin("posts", "posts.id", "ranked.id")
        .leftJoin("users", "users.id", "posts.author_id")
        .select([
          "posts.id",
          "posts.author_id",
          "users.username",
          "posts.slug",
          "posts.title",
          "posts.summary",
          "posts.created_at",
          "posts.updated_at",
          "posts.published_at",
          "ranked.rank",
        ])
        .select([
          sql<string>`ts_headline(${config}, posts.title, ${query}, ${titleOptions})`.as("title_marked"),
          sql<string>`ts_headline(${config}, coalesce(posts.summary || ${"\n\n"}, '') || posts.body, ${query}, ${headlineOptions})`.as(
            "snippet",
          ),
        ])
        .orderBy("ranked.rank", "desc")
        .orderBy("posts.id", "desc")
        .limit(limit + 1);
      if (cursor)
        ranked = ranked.where(sql<boolean>`(ranked.rank, posts.id) < (${cursor.rank}::real, ${cursor.id}::uuid)`);
      const rows = await ranked.execute();
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        posts: shown.map((row) => ({
          ...toSummary(row),
          rank: row.rank,
          titleMarked: row.title_marked,
          snippet: row.snippet,
        })),
        next: rows.length > limit && last ? encodeCursor({ rank: last.rank, id: last.id as PostId }) : null,
      };
    },
  };
}

export type PostRepository = ReturnType<typeof createPostRepository>;

interface SummaryRow {
  id: string;
  author_id: string | null;
  username: string | null;
  slug: string;
  title: string;
  summary: string | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date;
}

// The database holds only what the schemas let in (the service parses every draft).
function toSummary(row: SummaryRow): PostSummary {
  return {
    id: row.id as PostId,
    authorId: row.author_id as UserId | null,
    authorName: row.username,
    slug: row.slug as PostSlug,
    title: row.title as PostTitle,
    summary: row.summary,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    publishedAt: row.published_at,
  };
}

function toPost(row: SummaryRow & { body: string }): Post {
  return { ...toSummary(row), body: row.body as PostBody };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}
