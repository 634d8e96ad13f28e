import { z } from "zod";
import { href, pageFields, text } from "./content.ts";

const project = z.object({
  name: text,
  description: text,
  href,
  language: text.optional(),
  tags: z.array(text).default([]),
  /** Featured projects are also listed on the home page and in the resume. */
  featured: z.boolean().default(false),
});

export const openSourceSchema = z.object({
  ...pageFields,
  heading: text,
  lead: text,
  groups: z.array(z.object({ heading: text, lead: text.optional(), projects: z.array(project).min(1) })).min(1),
});

export type Project = z.infer<typeof project>;
export type OpenSourceContent = z.infer<typeof openSourceSchema>;

export function featuredProjects(content: OpenSourceContent): Project[] {
  return content.groups.flatMap((group) => group.projects.filter((project) => project.featured));
}
