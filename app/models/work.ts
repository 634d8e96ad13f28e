import { z } from "zod";
import { labLink, link, pageFields, text } from "./content.ts";

/** A case study's address under /work: lowercase words joined by hyphens. */
export const caseStudySlug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lowercase letters and digits in words joined by hyphens")
  .brand<"CaseStudySlug">();
export type CaseStudySlug = z.infer<typeof caseStudySlug>;

const caseStudy = z.object({
  slug: caseStudySlug,
  title: text,
  summary: text,
  /** Paragraphs. */
  challenge: z.array(text).min(1),
  /** One point each. */
  implementation: z.array(text).min(1),
  outcomes: z.array(text).min(1),
  stack: z.array(text).min(1),
  /** The lab section that shows it running. */
  lab: labLink,
  /** The engineering notes (/notes/…) that explain its choices. */
  notes: z.array(link),
});

export const workSchema = z.object({
  ...pageFields,
  heading: text,
  lead: text,
  /** The case study pages' own headings, so they read in the owner's words too. */
  labels: z.object({
    challenge: text,
    implementation: text,
    outcomes: text,
    stack: text,
    notes: text,
    allStudies: text,
  }),
  studies: z
    .array(caseStudy)
    .min(1)
    .superRefine((studies, ctx) => {
      const seen = new Set<string>();
      studies.forEach((study, index) => {
        if (seen.has(study.slug))
          ctx.addIssue({ code: "custom", path: [index, "slug"], message: `"${study.slug}" is used twice` });
        seen.add(study.slug);
      });
    }),
});

export type CaseStudy = z.infer<typeof caseStudy>;
export type WorkContent = z.infer<typeof workSchema>;
export type CaseStudyLabels = WorkContent["labels"];
