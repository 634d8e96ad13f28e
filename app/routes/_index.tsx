import { ActionLinks } from "#app/components/action-links.tsx";
import { CaseStudyCard } from "#app/components/case-study-card.tsx";
import { AuditSection, PrinciplesSection, StackSection } from "#app/components/home-sections.tsx";
import { LabLink } from "#app/components/lab-link.tsx";
import { ProjectCard } from "#app/components/project-card.tsx";
import { SmartLink } from "#app/components/smart-link.tsx";
import { servicesOf } from "#app/context.ts";
import { cacheForGuests } from "#app/http/cache-for-guests.server.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import type { Route } from "./+types/_index";

/** The same for every guest: answered from the guest page cache (decision 0019). */
export const middleware: Route.MiddlewareFunction[] = [cacheForGuests];

export function loader({ context }: Route.LoaderArgs) {
  return servicesOf(context).content.home();
}

export const meta: Route.MetaFunction = ({ loaderData }) => pageMeta(loaderData?.page);

export default function Home({ loaderData: { page, studies, projects } }: Route.ComponentProps) {
  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <p className="eyebrow">{page.hero.eyebrow}</p>
        <h1 id="hero-title">{page.hero.heading}</h1>
        <p className="lead">{page.hero.lead}</p>
        <ActionLinks actions={page.hero.actions} />
      </section>

      <section aria-labelledby="outcomes-title">
        <h2 id="outcomes-title">{page.outcomes.heading}</h2>
        <ul className="card-grid">
          {page.outcomes.items.map((item) => (
            <li key={item.claim} className="card">
              <h3>{item.claim}</h3>
              <p>{item.evidence}</p>
              <LabLink demo={item.demo} />
            </li>
          ))}
        </ul>
      </section>

      <PrinciplesSection principles={page.principles} />
      <AuditSection audit={page.audit} />

      <section aria-labelledby="case-studies-title">
        <h2 id="case-studies-title">{page.caseStudies.heading}</h2>
        <ul className="card-grid">
          {studies.map((study) => (
            <CaseStudyCard key={study.slug} study={study} level={3} />
          ))}
        </ul>
        <p>
          <SmartLink href={page.caseStudies.more.href}>{page.caseStudies.more.label}</SmartLink>
        </p>
      </section>

      <section aria-labelledby="open-source-title">
        <h2 id="open-source-title">{page.openSource.heading}</h2>
        <ul className="card-grid">
          {projects.map((project) => (
            <ProjectCard key={project.href} project={project} level={3} />
          ))}
        </ul>
        <p>
          <SmartLink href={page.openSource.more.href}>{page.openSource.more.label}</SmartLink>
        </p>
      </section>

      <StackSection stack={page.stack} />

      <section className="closing" aria-labelledby="closing-title">
        <h2 id="closing-title">{page.closing.heading}</h2>
        <p>{page.closing.body}</p>
        <ActionLinks actions={page.closing.actions} />
      </section>
    </>
  );
}
