import { data, Form, Link } from "react-router";
import { Notice } from "#app/components/notice.tsx";
import { PostList, PostMatches } from "#app/components/post-list.tsx";
import { servicesOf } from "#app/context.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { mayWritePosts, normaliseSearchQuery, SEARCH_QUERY_MAX } from "#app/models/post.ts";
import { decodeListCursor, decodeSearchCursor } from "#app/models/post-cursor.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import type { Route } from "./+types/writing._index";

export async function loader({ context, url }: Route.LoaderArgs) {
  const { user } = await viewerOf(context);
  const { posts } = servicesOf(context);
  const common = {
    canWrite: mayWritePosts(user),
    notice: url.searchParams.get("done") === "deleted" ? "The post is deleted." : undefined,
  };
  const typed = normaliseSearchQuery(url.searchParams.get("q"));
  if (!typed.ok) {
    // Refused rather than cut short: the page keeps the search box (with what was typed) and says why.
    return data(
      { ...common, mode: "refused" as const, query: typed.typed, error: new AppError("post:query_too_long").message },
      { status: 400 },
    );
  }
  const after = url.searchParams.get("after");
  if (typed.query) {
    const cursor = after === null ? null : decodeSearchCursor(after);
    if (cursor === null && after !== null) throw problemPage(new AppError("post:invalid_cursor"));
    const page = await posts.search(user, typed.query, cursor);
    return {
      ...common,
      mode: "search" as const,
      query: typed.query as string,
      matches: page.posts,
      next: page.next,
      first: after === null,
    };
  }
  const cursor = after === null ? null : decodeListCursor(after);
  if (cursor === null && after !== null) throw problemPage(new AppError("post:invalid_cursor"));
  const page = await posts.list(user, cursor);
  return { ...common, mode: "list" as const, query: "", posts: page.posts, next: page.next, first: after === null };
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta({
    title: loaderData?.mode === "search" ? `“${loaderData.query}” — Writing — glassbox` : "Writing — glassbox",
    description: "Articles by the site's owner, searchable.",
  });

export default function Writing({ loaderData }: Route.ComponentProps) {
  const page = loaderData;
  const nextHref = (next: string) =>
    `/writing?${new URLSearchParams(page.query ? { q: page.query, after: next } : { after: next })}`;
  return (
    <>
      <h1>Writing</h1>
      <Notice tone="success">{page.notice}</Notice>
      <Form method="get" action="/writing" className="inline-form" role="search">
        <label htmlFor="writing-query">Search the writing</label>
        <input
          id="writing-query"
          name="q"
          type="search"
          defaultValue={page.query}
          maxLength={SEARCH_QUERY_MAX}
          aria-describedby="writing-query-hint"
        />
        <button type="submit" className="button button--quiet">
          Search
        </button>
      </Form>
      <p id="writing-query-hint" className="field__hint">
        Words, &quot;a quoted phrase&quot;, <code>or</code> between alternatives, <code>-word</code> to leave out.
      </p>
      {page.canWrite ? (
        <p>
          <Link to="/writing/new" className="button">
            Write a post
          </Link>
        </p>
      ) : null}

      {page.mode === "refused" ? (
        <Notice tone="error">{page.error}</Notice>
      ) : page.mode === "search" ? (
        <section aria-label="Search results">
          {page.matches.length === 0 ? (
            <p role="status">{page.first ? `No posts match “${page.query}”.` : "No more posts match."}</p>
          ) : (
            <>
              <p role="status">Posts matching “{page.query}”, best match first</p>
              <PostMatches matches={page.matches} />
            </>
          )}
          <p className="actions">
            {page.next ? <Link to={nextHref(page.next)}>More results</Link> : null} <Link to="/writing">All posts</Link>
          </p>
        </section>
      ) : (
        <section aria-label="Posts, newest first">
          {page.posts.length === 0 ? (
            <p>{page.first ? "Nothing has been written here yet." : "There are no older posts."}</p>
          ) : (
            <PostList posts={page.posts} />
          )}
          <p className="actions">
            {page.next ? <Link to={nextHref(page.next)}>Older posts</Link> : null}{" "}
            {page.first ? null : <Link to="/writing">Newest posts</Link>}
          </p>
        </section>
      )}
    </>
  );
}
