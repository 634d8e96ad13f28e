import type { ReactNode } from "react";
import type { HomeContent } from "#app/models/content.ts";
import { LabLink } from "./lab-link.tsx";
import { SmartLink } from "./smart-link.tsx";

/** A home section with a lead paragraph and a grid of cards. */
function CardSection({
  id,
  heading,
  lead,
  wide = false,
  children,
}: {
  id: string;
  heading: string;
  lead: string;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{heading}</h2>
      <p className="lead">{lead}</p>
      <ul className={wide ? "card-grid card-grid--wide" : "card-grid"}>{children}</ul>
    </section>
  );
}

function Points({ items }: { items: readonly string[] }) {
  return (
    <ul className="points">
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

/** "How I think about systems": each principle with the practices that carry it out. */
export function PrinciplesSection({ principles }: { principles: HomeContent["principles"] }) {
  return (
    <CardSection id="principles" heading={principles.heading} lead={principles.lead}>
      {principles.items.map((item) => (
        <li key={item.title} className="card">
          <h3>{item.title}</h3>
          <p>{item.summary}</p>
          <Points items={item.points} />
        </li>
      ))}
    </CardSection>
  );
}

/** The architecture audit: per area, what is verified, how, and the lab sections and notes that show it. */
export function AuditSection({ audit }: { audit: HomeContent["audit"] }) {
  return (
    <CardSection id="audit" heading={audit.heading} lead={audit.lead} wide>
      {audit.items.map((item) => (
        <li key={item.area} className="card">
          <h3>{item.area}</h3>
          <p>{item.summary}</p>
          <Points items={item.verified} />
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
    </CardSection>
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
