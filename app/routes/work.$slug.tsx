import type { ReactNode } from "react";
import { data, Link } from "react-router";
import { LabLink } from "#app/components/lab-link.tsx";
import { SmartLink } from "#app/components/smart-link.tsx";
import { TagList } from "#app/components/tag-list.tsx";
import { servicesOf } from "#app/context.ts";
import { cacheForGuests } from "#app/http/cache-for-guests.server.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { caseStudySlug } from "#app/models/work.ts";
import type { Route } from "./+types/work.$slug";

/** The same for every guest: answered from the guest page cache (decision 0019). */
export const middleware: Route.MiddlewareFunction[] = [cacheForGuests];

export function loader({ context, params }: Route.LoaderArgs) {
  const content = servicesOf(context).content;
  const slug = caseStudySlug.safeParse(params.slug);
  const page = slug.success ? content.caseStudy(slug.data) : undefined;
  // The root error boundary renders the 404 page.
  if (!page) throw data("There is no case study at this address.", { status: 404 });
  return { ...page, siteName: content.site().name };
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta(
    loaderData && {
      title: `${loaderData.study.title} — ${loaderData.siteName}`,
      description: loaderData.study.summary,
      type: "article",
    },
  );

export default function CaseStudyPage({ loaderData: { study, labels } }: Route.ComponentProps) {
  return (
    <article className="case-study" aria-labelledby="case-study-title">
      <header>
        <h1 id="case-study-title">{study.title}</h1>
        <p className="lead">{study.summary}</p>
        <p className="actions">
          <LabLink demo={study.lab} className="button" />
        </p>
      </header>

      <Part id="challenge" heading={labels.challenge}>
        {study.challenge.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
      </Part>
      <Part id="implementation" heading={labels.implementation}>
        <Points items={study.implementation} />
      </Part>
      <Part id="outcomes" heading={labels.outcomes}>
        <Points items={study.outcomes} />
      </Part>
      <Part id="stack" heading={labels.stack}>
        <TagList label={labels.stack} tags={study.stack} />
      </Part>
      {study.notes.length > 0 ? (
        <Part id="notes" heading={labels.notes}>
          <ul className="plain-list">
            {study.notes.map((note) => (
              <li key={note.href}>
                <SmartLink href={note.href}>{note.label}</SmartLink>
              </li>
            ))}
          </ul>
        </Part>
      ) : null}

      <footer className="case-study__footer">
        <LabLink demo={study.lab} />
        <Link to="/work">{labels.allStudies}</Link>
      </footer>
    </article>
  );
}

/** A titled part of the case study, named by its heading for assistive technology. */
function Part({ id, heading, children }: { id: string; heading: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{heading}</h2>
      {children}
    </section>
  );
}

function Points({ items }: { items: readonly string[] }) {
  return (
    <ul>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}
