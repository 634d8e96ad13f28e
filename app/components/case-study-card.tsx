import { Link } from "react-router";
import type { CaseStudy } from "#app/models/work.ts";
import { TagList } from "./tag-list.tsx";

/** A case study as a card whose title leads to its page; `level` keeps the page's heading order. */
export function CaseStudyCard({ study, level }: { study: CaseStudy; level: 2 | 3 }) {
  const Title = level === 2 ? "h2" : "h3";
  return (
    <li className="card">
      <Title>
        <Link to={`/work/${study.slug}`}>{study.title}</Link>
      </Title>
      <p>{study.summary}</p>
      <TagList label="Stack" tags={study.stack} />
    </li>
  );
}
