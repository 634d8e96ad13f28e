import { z } from "zod";

/**
 * The site's words live in content/*.json so an owner can make glassbox theirs without touching
 * JSX. This module holds the pieces every content schema shares and the site-wide and home page
 * schemas; `site-content.ts` and `page-content.ts` parse the files once, when the server starts.
 */

/** Internal paths start with a single "/"; anything else must be an absolute http(s) URL or mailto:. */
export const href = z.union(
  [z.string().regex(/^\/(?!\/)[^\s]*$/), z.url({ protocol: /^https?$/ }), z.string().regex(/^mailto:[^\s@]+@[^\s@]+$/)],
  { error: "must be a path on this site (/…), an http(s) URL or a mailto: address" },
);
export const text = z.string().trim().min(1, "must not be empty");
export const link = z.object({ label: text, href });

/**
 * The lab's sections, by their element ids: the one contract between these pages and /lab, so a
 * claim can only point at a demonstration that exists.
 */
export const LAB_SECTIONS = [
  "session-status",
  "request-meta",
  "auth-status",
  "session-details",
  "boundary-check",
  "database-check",
  "burst",
  "chat",
  "timeline",
  "backend-log",
  "diagnostics",
  "network-log",
  "command",
] as const;
export type LabSection = (typeof LAB_SECTIONS)[number];
export const labLink = z.object({ label: text, section: z.enum(LAB_SECTIONS) });

/**
 * The lab at one section: links to it, and where its forms go and come back to without JavaScript
 * (`search` such as `?index` for a form's action, `?done=…` for a redirect), so the browser lands
 * on the section instead of the top of the page.
 */
export function labHref(section: LabSection, search = ""): string {
  return `/lab${search}#${section}`;
}

/** What every page's file starts with: its document title and meta description. */
export const pageFields = { title: text, description: text };

export const siteSchema = z.object({
  name: text,
  owner: text,
  tagline: text,
  navigation: z.array(link).min(1),
  contact: z.array(link),
});

export const homeSchema = z.object({
  ...pageFields,
  hero: z.object({ eyebrow: text, heading: text, lead: text, actions: z.array(link) }),
  outcomes: z.object({
    heading: text,
    items: z.array(z.object({ claim: text, evidence: text, demo: labLink })).min(1),
  }),
  /** "How I think about systems": the judgement the site is built on, each with what shows it. */
  principles: z.object({
    heading: text,
    lead: text,
    items: z.array(z.object({ title: text, summary: text, points: z.array(text).min(1) })).min(1),
  }),
  /** The architecture audit: each area, what is verified and how, with the lab sections and notes that show it. */
  audit: z.object({
    heading: text,
    lead: text,
    items: z
      .array(
        z.object({
          area: text,
          summary: text,
          verified: z.array(text).min(1),
          how: text,
          demos: z.array(labLink),
          notes: z.array(link),
        }),
      )
      .min(1),
  }),
  stack: z.object({ heading: text, items: z.array(z.object({ name: text, role: text })).min(1) }),
  /** The cards come from content/work.json and content/open-source.json; `more` links to their pages. */
  caseStudies: z.object({ heading: text, more: link }),
  openSource: z.object({ heading: text, more: link }),
  closing: z.object({ heading: text, body: text, actions: z.array(link) }),
});

export type Link = z.infer<typeof link>;
export type LabLink = z.infer<typeof labLink>;
export type SiteContent = z.infer<typeof siteSchema>;
export type HomeContent = z.infer<typeof homeSchema>;

/** A content file that does not match its schema, with every problem listed by its field. */
export class ContentError extends Error {
  override name = "ContentError";
}

/** Parses one content file, or throws naming the file and each offending field. */
export function parseContent<Schema extends z.ZodType>(file: string, schema: Schema, json: unknown): z.infer<Schema> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  - ${issue.path.join(".") || "(the whole file)"}: ${issue.message}`,
  );
  throw new ContentError(`${file} does not match its schema:\n${problems.join("\n")}`);
}

export function isInternal(target: string): boolean {
  return target.startsWith("/") && !target.startsWith("//");
}
