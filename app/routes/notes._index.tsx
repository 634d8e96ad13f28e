import { Link } from "react-router";
import { servicesOf } from "#app/context.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { notePath } from "#app/models/note.ts";
import type { Route } from "./+types/notes._index";

export function loader({ context }: Route.LoaderArgs) {
  const content = servicesOf(context).content;
  return { notes: content.notes(), siteName: content.site().name };
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta(
    loaderData && {
      title: `Engineering notes — ${loaderData.siteName}`,
      description: "The decisions behind glassbox, each with its context, what was decided and what follows from it.",
    },
  );

export default function Notes({ loaderData: { notes } }: Route.ComponentProps) {
  return (
    <>
      <h1>Engineering notes</h1>
      <p className="lead">
        Every notable decision behind this site, written down when it was made: the context, the decision, and its
        consequences. The same files live in the repository under <code>docs/decisions/</code>.
      </p>
      <ol className="note-index">
        {notes.map((note) => (
          <li key={note.slug}>
            <Link to={notePath(note.slug)}>
              {note.number}. {note.title}
            </Link>
            {note.status ? <span className="note-index__status"> · {note.status}</span> : null}
          </li>
        ))}
      </ol>
    </>
  );
}
