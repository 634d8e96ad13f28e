import { data, Link } from "react-router";
import { servicesOf } from "#app/context.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { notePath, noteSlugSchema } from "#app/models/note.ts";
import type { Route } from "./+types/notes.$slug";

export function loader({ context, params }: Route.LoaderArgs) {
  const content = servicesOf(context).content;
  const slug = noteSlugSchema.safeParse(params.slug);
  const page = slug.success ? content.note(slug.data) : undefined;
  // The root error boundary renders the 404 page.
  if (!page) throw data("There is no engineering note at this address.", { status: 404 });
  return { ...page, siteName: content.site().name };
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta(
    loaderData && {
      title: `${loaderData.note.title} — ${loaderData.siteName}`,
      description: `Engineering note ${loaderData.note.number}: ${loaderData.note.title}. Context, decision and consequences.`,
      type: "article",
    },
  );

export default function NotePage({ loaderData: { note, html, previous, next } }: Route.ComponentProps) {
  return (
    <article className="note" aria-labelledby="note-title">
      <header>
        <p className="eyebrow">Engineering note {note.number}</p>
        <h1 id="note-title">{note.title}</h1>
        {note.date || note.status ? (
          <p className="note__meta">{[note.date, note.status].filter(Boolean).join(" · ")}</p>
        ) : null}
      </header>
      {/* markdown-it output of a file in this repository, with raw HTML escaped (content service). */}
      <div className="note__body" dangerouslySetInnerHTML={{ __html: html }} />
      <nav className="note__nav" aria-label="More notes">
        {previous ? (
          <Link to={notePath(previous.slug)}>
            ← {previous.number}. {previous.title}
          </Link>
        ) : null}
        <Link to="/notes">All notes</Link>
        {next ? (
          <Link to={notePath(next.slug)}>
            {next.number}. {next.title} →
          </Link>
        ) : null}
      </nav>
    </article>
  );
}
