import { ProjectCard } from "#app/components/project-card.tsx";
import { servicesOf } from "#app/context.ts";
import { cacheForGuests } from "#app/http/cache-for-guests.server.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import type { Route } from "./+types/open-source";

/** The same for every guest: answered from the guest page cache (decision 0019). */
export const middleware: Route.MiddlewareFunction[] = [cacheForGuests];

export function loader({ context }: Route.LoaderArgs) {
  return servicesOf(context).content.openSource();
}

export const meta: Route.MetaFunction = ({ loaderData }) => pageMeta(loaderData);

export default function OpenSource({ loaderData: openSource }: Route.ComponentProps) {
  return (
    <>
      <h1>{openSource.heading}</h1>
      <p className="lead">{openSource.lead}</p>
      {openSource.groups.map((group, index) => (
        <section key={group.heading} aria-labelledby={`group-${index}`}>
          <h2 id={`group-${index}`}>{group.heading}</h2>
          {group.lead ? <p>{group.lead}</p> : null}
          <ul className="card-grid">
            {group.projects.map((project) => (
              <ProjectCard key={project.href} project={project} level={3} />
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
