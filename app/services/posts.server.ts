import type { Kysely } from "kysely";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import {
  mayWritePosts,
  type Post,
  type PostDraft,
  type PostMatch,
  type PostSlug,
  type PostSummary,
  type SearchQuery,
} from "#app/models/post.ts";
import { PAGE_SIZE, type ListCursor, type PostPage, type SearchCursor } from "#app/models/post-cursor.ts";
import { createPostRepository } from "#app/models/post-repository.server.ts";
import type { User } from "#app/models/user.ts";

/** The sitemap protocol allows 50,000 URLs per file; posts get most of them. */
const SITEMAP_MAX_POSTS = 45_000;

export interface PostsDeps {
  /** The primary: every write, and every read by someone who may write (they must see their own writes). */
  readonly db: Kysely<Database>;
  /** DATABASE_READ_URL's pool (the primary's when unset): everyone else's reads, which tolerate replica lag. */
  readonly readDb: Kysely<Database>;
}

/**
 * Writing: the site owner's posts. Admins write them; everyone reads and searches them. Each
 * change and its audit entry commit together.
 */
export function createPostsService({ db, readDb }: PostsDeps) {
  const readerFor = (viewer: User | null) => createPostRepository(mayWritePosts(viewer) ? db : readDb);

  function assertAuthor(actor: User): void {
    if (!mayWritePosts(actor)) throw new AppError("auth:forbidden");
  }

  return {
    list(viewer: User | null, cursor: ListCursor | null): Promise<PostPage<PostSummary>> {
      return readerFor(viewer).list(cursor, PAGE_SIZE);
    },

    /** Every post's address and last change, for the sitemap (a replica's view is fine). */
    index: (): Promise<{ slug: PostSlug; updatedAt: Date }[]> => createPostRepository(readDb).index(SITEMAP_MAX_POSTS),

    search(viewer: User | null, query: SearchQuery, cursor: SearchCursor | null): Promise<PostPage<PostMatch>> {
      return readerFor(viewer).search(query, cursor, PAGE_SIZE);
    },

    /** Throws `post:not_found`. */
    async bySlug(viewer: User | null, slug: PostSlug): Promise<Post> {
      const post = await readerFor(viewer).findBySlug(slug);
      if (!post) throw new AppError("post:not_found");
      return post;
    },

    /** Throws `auth:forbidden` or `post:slug_taken`. */
    async create(actor: User, draft: PostDraft, client: ClientInfo): Promise<Post> {
      assertAuthor(actor);
      return db.transaction().execute(async (trx) => {
        const saved = await createPostRepository(trx).create(actor.id, draft);
        if (!saved.ok) throw new AppError("post:slug_taken");
        await createAuditRepository(trx).record({
          actorId: actor.id,
          action: "post.created",
          client,
          resource: { type: "post", id: saved.post.id },
          metadata: { slug: saved.post.slug, title: saved.post.title },
        });
        return saved.post;
      });
    },

    /** Replaces the text of the post now at `slug`. Throws `auth:forbidden`, `post:not_found` or `post:slug_taken`. */
    async update(actor: User, slug: PostSlug, draft: PostDraft, client: ClientInfo): Promise<Post> {
      assertAuthor(actor);
      return db.transaction().execute(async (trx) => {
        const posts = createPostRepository(trx);
        const current = await posts.findBySlug(slug);
        if (!current) throw new AppError("post:not_found");
        const saved = await posts.update(current.id, draft);
        if (!saved) throw new AppError("post:not_found");
        if (!saved.ok) throw new AppError("post:slug_taken");
        const renamed = current.slug === saved.post.slug ? {} : { previousSlug: current.slug };
        await createAuditRepository(trx).record({
          actorId: actor.id,
          action: "post.updated",
          client,
          resource: { type: "post", id: current.id },
          metadata: { slug: saved.post.slug, ...renamed },
        });
        return saved.post;
      });
    },

    /** Throws `auth:forbidden` or `post:not_found`. */
    async remove(actor: User, slug: PostSlug, client: ClientInfo): Promise<void> {
      assertAuthor(actor);
      await db.transaction().execute(async (trx) => {
        const posts = createPostRepository(trx);
        const current = await posts.findBySlug(slug);
        const removed = current && (await posts.remove(current.id));
        if (!removed) throw new AppError("post:not_found");
        await createAuditRepository(trx).record({
          actorId: actor.id,
          action: "post.deleted",
          client,
          resource: { type: "post", id: removed.id },
          metadata: { slug: removed.slug, title: removed.title },
        });
      });
    },
  };
}

export type PostsService = ReturnType<typeof createPostsService>;
