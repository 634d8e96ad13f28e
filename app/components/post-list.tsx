import { Link } from "react-router";
import type { PostMatch, PostSummary } from "#app/models/post.ts";
import { DateTime } from "./date-time.tsx";
import { HighlightedText } from "./highlighted-text.tsx";

/** The writing list, newest first: title, date, summary. */
export function PostList({ posts }: { posts: readonly PostSummary[] }) {
  return (
    <ol className="post-list">
      {posts.map((post) => (
        <li key={post.id} className="card" data-post-slug={post.slug}>
          <h2>
            <Link to={`/writing/${post.slug}`}>{post.title}</Link>
          </h2>
          <p className="muted">
            <DateTime value={post.publishedAt} />
          </p>
          {post.summary ? <p>{post.summary}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/** Search results, best first: the title and a snippet with the matched words marked. */
export function PostMatches({ matches }: { matches: readonly PostMatch[] }) {
  return (
    <ol className="post-list">
      {matches.map((match) => (
        <li key={match.id} className="card" data-post-slug={match.slug}>
          <h2>
            <Link to={`/writing/${match.slug}`}>
              <HighlightedText marked={match.titleMarked} />
            </Link>
          </h2>
          <p className="muted">
            <DateTime value={match.publishedAt} />
          </p>
          <p className="post-list__snippet">
            <HighlightedText marked={match.snippet} />
          </p>
        </li>
      ))}
    </ol>
  );
}
