import type { Project } from "#app/models/open-source.ts";
import { SmartLink } from "./smart-link.tsx";
import { TagList } from "./tag-list.tsx";

/** An open-source project as a card; `level` keeps the page's heading order. */
export function ProjectCard({ project, level }: { project: Project; level: 2 | 3 }) {
  const Title = level === 2 ? "h2" : "h3";
  return (
    <li className="card">
      <Title>
        <SmartLink href={project.href}>{project.name}</SmartLink>
      </Title>
      {project.language ? <p className="eyebrow">{project.language}</p> : null}
      <p>{project.description}</p>
      <TagList label="Topics" tags={project.tags} />
    </li>
  );
}
