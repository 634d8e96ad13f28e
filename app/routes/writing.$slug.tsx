import { Link } from "react-router";
import { DateTime } from "#app/components/date-time.tsx";
import { Notice } from "#app/components/notice.tsx";
import { servicesOf } from "#app/context.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { postSlugOf } from "#app/http/post-forms.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { mayWritePosts, paragraphsOf } from "#app/models/post.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/writing.$slug";

export async function loader({ context, params, url }: Route.LoaderArgs) {
  const { user } = await viewerOf(context);
  const post = await servicesOf(context)
    .posts.bySlug(user, postSlugOf(params))
    .catch((error: unknown) => {
      throw error instanceof AppError ? problemPage(error) : error;
    });
  return {
    post,
    canWrite: mayWritePosts(user),
    notice: url.searchParams.get("done") === "saved" ? "The post is saved." : undefined,
  };
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta(
    loaderData && {
      title: `${loaderData.post.title} — Writing — glassbox`,
      description: loaderData.post.summary ?? loaderData.post.title,
      type: "article",
    },
  );

export default function PostPage({ loaderData: { post, canWrite, notice } }: Route.ComponentProps) {
  const edited = new Date(post.updatedAt).getTime() - new Date(post.publishedAt).getTime() > 60_000;
  return (
    <article className="post" aria-labelledby="post-title">
      <header>
        <p>
          <Link to="/writing">Writing</Link>
        </p>
        <h1 id="post-title">{post.title}</h1>
        {post.summary ? <p className="lead">{post.summary}</p> : null}
        <p className="muted">
          {post.authorName ? `By ${post.authorName}, ` : null}
          <DateTime value={post.publishedAt} />
          {edited ? (
            <>
              {" "}
              (edited <DateTime value={post.updatedAt} />)
            </>
          ) : null}
        </p>
        <Notice tone="success">{notice}</Notice>
        {canWrite ? (
          <p>
            <Link to={`/writing/${post.slug}/edit`} className="button button--quiet">
              Edit this post
            </Link>
          </p>
        ) : null}
      </header>
      {paragraphsOf(post.body).map((paragraph, index) => (
        <p key={index} className="post__paragraph">
          {paragraph}
        </p>
      ))}
    </article>
  );
}
