import { z } from "zod";
import { link, text } from "./content.ts";

/** The plain-text resume at /resume.txt; its selected work and open source come from those files. */
export const resumeSchema = z.object({
  name: text,
  headline: text,
  links: z.array(link),
  /** Paragraphs. */
  summary: z.array(text).min(1),
  skills: z.array(z.object({ area: text, items: z.array(text).min(1) })),
  experience: z.array(z.object({ role: text, organisation: text, period: text, highlights: z.array(text) })),
  headings: z.object({ summary: text, skills: text, experience: text, work: text, openSource: text }),
});

export type ResumeContent = z.infer<typeof resumeSchema>;
