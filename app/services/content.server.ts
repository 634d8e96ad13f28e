import MarkdownIt from "markdown-it";
import type { Note, NoteSlug } from "#app/models/note.ts";
import { notes } from "#app/models/notes-content.server.ts";
import { homeContent, openSourceContent, resumeContent, workContent } from "#app/models/page-content.ts";
import { siteContent } from "#app/models/site-content.ts";
import type { HomeContent, SiteContent } from "#app/models/content.ts";
import { featuredProjects, type OpenSourceContent, type Project } from "#app/models/open-source.ts";
import type { ResumeContent } from "#app/models/resume.ts";
import type { CaseStudy, CaseStudyLabels, CaseStudySlug, WorkContent } from "#app/models/work.ts";

/** The home page: its own words, every case study, and the featured projects. */
export interface HomePage {
  readonly page: HomeContent;
  readonly studies: readonly CaseStudy[];
  readonly projects: readonly Project[];
}

export interface CaseStudyPage {
  readonly study: CaseStudy;
  readonly labels: CaseStudyLabels;
}

/** The resume with the case studies and featured projects it lists (kept in their own files). */
export interface Resume extends ResumeContent {
  readonly studies: readonly CaseStudy[];
  readonly projects: readonly Project[];
}

export type NoteSummary = Omit<Note, "markdown">;

/** One engineering note: its body as HTML (markdown-it, raw HTML in the source escaped), and its neighbours. */
export interface NotePage {
  readonly note: NoteSummary;
  readonly html: string;
  readonly previous?: NoteSummary;
  readonly next?: NoteSummary;
}

const markdown = new MarkdownIt({ html: false, linkify: false });
/** A note's markdown as HTML; raw HTML in the source is escaped, never passed through. */
export const renderMarkdown = (source: string): string => markdown.render(source);

const summaryOf = (note: Note): NoteSummary => ({
  slug: note.slug,
  number: note.number,
  title: note.title,
  date: note.date,
  status: note.status,
});

/** Page content; today from the repo's data files, tomorrow perhaps from the database. */
export function createContentService() {
  const projects = featuredProjects(openSourceContent);
  const rendered = new Map<NoteSlug, string>();
  return {
    site: (): SiteContent => siteContent,
    home: (): HomePage => ({ page: homeContent, studies: workContent.studies, projects }),
    work: (): WorkContent => workContent,
    /** Undefined when no case study has that slug. */
    caseStudy: (slug: CaseStudySlug): CaseStudyPage | undefined => {
      const study = workContent.studies.find((candidate) => candidate.slug === slug);
      return study && { study, labels: workContent.labels };
    },
    openSource: (): OpenSourceContent => openSourceContent,
    resume: (): Resume => ({ ...resumeContent, studies: workContent.studies, projects }),
    /** The engineering notes (docs/decisions), oldest first. */
    notes: (): NoteSummary[] => notes.map(summaryOf),
    /** Undefined when no note has that slug. */
    note(slug: NoteSlug): NotePage | undefined {
      const index = notes.findIndex((note) => note.slug === slug);
      const note = notes[index];
      if (!note) return undefined;
      let html = rendered.get(slug);
      if (html === undefined) rendered.set(slug, (html = renderMarkdown(note.markdown)));
      const [previous, next] = [notes[index - 1], notes[index + 1]];
      return { note: summaryOf(note), html, previous: previous && summaryOf(previous), next: next && summaryOf(next) };
    },
  };
}

export type ContentService = ReturnType<typeof createContentService>;
