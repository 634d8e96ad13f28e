import { CaseStudyCard } from "#app/components/case-study-card.tsx";
import { servicesOf } from "#app/context.ts";
import { cacheForGuests } from "#app/http/cache-for-guests.server.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import type { Route } from "./+types/work._index";

/** The same for every guest: answered from the guest page cache (decision 0019). */
export const middleware: Route.MiddlewareFunction[] = [cacheForGuests];

export function loader({ context }: Route.LoaderArgs) {
  return servicesOf(context).content.work();
}

export const meta: Route.MetaFunction = ({ loaderData }) => pageMeta(loaderData);

export default function Work({ loaderData: work }: Route.ComponentProps) {
  return (
    <>
      <h1>{work.heading}</h1>
      <p className="lead">{work.lead}</p>
      <ul className="card-grid">
        {work.studies.map((study) => (
          <CaseStudyCard key={study.slug} study={study} level={2} />
        ))}
      </ul>
    </>
  );
}
