import type { HomeContent } from "../models/content.ts";
import { LabLink } from "./lab-link.tsx";
import { SmartLink } from "./smart-link.tsx";

/** "How I think about systems": each principle with the practices that carry it out. */
export function PrinciplesSection({ principles }: { principles: HomeContent["principles"] }) {
  return (
    <section aria-labelledby="principles-title">
      <h2 id="principles-title">{principles.heading}</h2>
      <p className="lead">{principles.lead}</p>
      <ul className="card-grid">
        {principles.items.map((item) => (
          <li key={item.title} className="card">
            <h3>{item.title}</h3>
            <p>{item.summary}</p>
            <ul className="points">
              {item.points.map((point) => (
                <li key={point}>{point}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The architecture audit: per area, what is verified, how, and the lab sections and notes that show it. */
export function AuditSection({ audit }: { audit: HomeContent["audit"] }) {
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{audit.heading}</h2>
      <p className="lead">{audit.lead}</p>
      <ul className="card-grid card-grid--wide">
        {audit.items.map((item) => (
          <li key={item.area} className="card">
            <h3>{item.area}</h3>
            <p>{item.summary}</p>
            <ul className="points">
              {item.verified.map((fact) => (
                <li key={fact}>{fact}</li>
              ))}
            </ul>
            <p>
              <strong>How it is checked:</strong> {item.how}
            </p>
            <ul className="inline-links" aria-label={`Where to see ${item.area.toLowerCase()}`}>
              {item.demos.map((demo) => (
                <li key={demo.section}>
                  <LabLink demo={demo} />
                </li>
              ))}
              {item.notes.map((note) => (
                <li key={note.href}>
                  <SmartLink href={note.href}>{note.label}</SmartLink>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function StackSection({ stack }: { stack: HomeContent["stack"] }) {
  return (
    <section aria-labelledby="stack-title">
      <h2 id="stack-title">{stack.heading}</h2>
      <dl className="stack-list">
        {stack.items.map((item) => (
          <div key={item.name}>
            <dt>{item.name}</dt>
            <dd>{item.role}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
