import { homeContent, openSourceContent, resumeContent, workContent } from "../models/page-content.ts";
import { siteContent } from "../models/site-content.ts";
import type { HomeContent, SiteContent } from "../models/content.ts";
import { featuredProjects, type OpenSourceContent, type Project } from "../models/open-source.ts";
import type { ResumeContent } from "../models/resume.ts";
import type { CaseStudy, CaseStudyLabels, CaseStudySlug, WorkContent } from "../models/work.ts";

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

/** Page content; today from the repo's data files, tomorrow perhaps from the database. */
export function createContentService() {
  const projects = featuredProjects(openSourceContent);
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
  };
}

export type ContentService = ReturnType<typeof createContentService>;
