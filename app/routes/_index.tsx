import { SmartLink } from "../components/smart-link.tsx";
import { servicesOf } from "../context.ts";
import type { Route } from "./+types/_index";

export function loader({ context }: Route.LoaderArgs) {
  return servicesOf(context).content.home();
}

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData.title },
  { name: "description", content: loaderData.description },
];

export default function Home({ loaderData: home }: Route.ComponentProps) {
  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <p className="eyebrow">{home.hero.eyebrow}</p>
        <h1 id="hero-title">{home.hero.heading}</h1>
        <p className="lead">{home.hero.lead}</p>
        <p className="actions">
          {home.hero.actions.map((action) => (
            <SmartLink key={action.href} href={action.href} className="button">
              {action.label}
            </SmartLink>
          ))}
        </p>
      </section>

      <section aria-labelledby="outcomes-title">
        <h2 id="outcomes-title">{home.outcomes.heading}</h2>
        <ul className="card-grid">
          {home.outcomes.items.map((item) => (
            <li key={item.claim} className="card">
              <h3>{item.claim}</h3>
              <p>{item.evidence}</p>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="case-studies-title">
        <h2 id="case-studies-title">{home.caseStudies.heading}</h2>
        <ul className="card-grid">
          {home.caseStudies.items.map((study) => (
            <li key={study.title} className="card">
              <h3>{study.title}</h3>
              <p>{study.summary}</p>
              <ul className="tags" aria-label="Stack">
                {study.stack.map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
              {study.link ? <SmartLink href={study.link.href}>{study.link.label}</SmartLink> : null}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="open-source-title">
        <h2 id="open-source-title">{home.openSource.heading}</h2>
        <ul className="plain-list">
          {home.openSource.items.map((project) => (
            <li key={project.name}>
              <SmartLink href={project.href}>{project.name}</SmartLink> — {project.description}
            </li>
          ))}
        </ul>
      </section>

      <section className="closing" aria-labelledby="closing-title">
        <h2 id="closing-title">{home.closing.heading}</h2>
        <p>{home.closing.body}</p>
        <p className="actions">
          {home.closing.actions.map((action) => (
            <SmartLink key={action.href} href={action.href} className="button">
              {action.label}
            </SmartLink>
          ))}
        </p>
      </section>
    </>
  );
}
