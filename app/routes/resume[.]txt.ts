import { servicesOf } from "#app/context.ts";
import type { Link } from "#app/models/content.ts";
import type { Resume } from "#app/services/content.server.ts";
import type { Route } from "./+types/resume[.]txt";

/** The plain-text resume: readable in a terminal, pasteable into any form, no markup to strip. */
export function loader({ context, url }: Route.LoaderArgs) {
  const text = resumeText(servicesOf(context).content.resume(), url.origin);
  return new Response(text, {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=300" },
  });
}

const WIDTH = 78;

function resumeText(resume: Resume, origin: string): string {
  const absolute = (href: string) => (href.startsWith("/") ? new URL(href, origin).href : href.replace(/^mailto:/, ""));
  const contact = (link: Link) => `${link.label}: ${absolute(link.href)}`;
  const blocks = [
    [resume.name, "=".repeat(resume.name.length), ...wrap(resume.headline), ...resume.links.map(contact)],
    section(resume.headings.summary, spaced(resume.summary.map((paragraph) => wrap(paragraph)))),
    section(
      resume.headings.skills,
      resume.skills.flatMap((skill) => wrap(`${skill.area}: ${skill.items.join(", ")}`, "", "  ")),
    ),
    section(
      resume.headings.experience,
      spaced(
        resume.experience.map((job) => [
          ...wrap(`${job.role}, ${job.organisation} (${job.period})`),
          ...job.highlights.flatMap((highlight) => wrap(highlight, "  - ", "    ")),
        ]),
      ),
    ),
    section(
      resume.headings.work,
      spaced(
        resume.studies.map((study) => [
          ...wrap(study.title),
          ...wrap(study.summary, "  "),
          `  ${absolute(`/work/${study.slug}`)}`,
        ]),
      ),
    ),
    section(
      resume.headings.openSource,
      spaced(
        resume.projects.map((project) => [
          ...wrap(`${project.name}: ${project.description}`, "", "  "),
          `  ${project.href}`,
        ]),
      ),
    ),
  ];
  return `${blocks
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join("\n"))
    .join("\n\n")}\n`;
}

/** A heading underlined with dashes over its lines; nothing at all when it has no lines. */
function section(heading: string, lines: string[]): string[] {
  return lines.length ? [heading, "-".repeat(heading.length), ...lines] : [];
}

/** Entries of several lines each, a blank line between them. */
function spaced(entries: string[][]): string[] {
  return entries.flatMap((lines, index) => (index ? ["", ...lines] : lines));
}

/** Words filled into lines of at most WIDTH characters (a longer word, such as a URL, gets its own). */
function wrap(text: string, first = "", rest = first): string[] {
  const lines: string[] = [];
  let prefix = first;
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      [prefix, line] = [rest, word];
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, prefix + line] : lines;
}
