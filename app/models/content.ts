import { z } from "zod";
import homeJson from "../../content/home.json";
import siteJson from "../../content/site.json";

/**
 * The site's words live in content/*.json so an owner can make glassbox theirs without touching
 * JSX. They are validated here, once, when the server starts: a typo fails loudly, not silently.
 */

/** Internal paths start with a single "/"; anything else must be an absolute http(s) URL. */
const href = z.union([
  z.string().regex(/^\/(?!\/)[^\s]*$/, "an internal path starting with /"),
  z.url({ protocol: /^https?$/ }),
  z.string().regex(/^mailto:[^\s@]+@[^\s@]+$/, "a mailto: link"),
]);
const link = z.object({ label: z.string().min(1), href });
const text = z.string().min(1);

export const siteSchema = z.object({
  name: text,
  owner: text,
  tagline: text,
  navigation: z.array(link).min(1),
  contact: z.array(link),
});

export const homeSchema = z.object({
  title: text,
  description: text,
  hero: z.object({ eyebrow: text, heading: text, lead: text, actions: z.array(link) }),
  outcomes: z.object({
    heading: text,
    items: z.array(z.object({ claim: text, evidence: text })).min(1),
  }),
  caseStudies: z.object({
    heading: text,
    items: z.array(
      z.object({ title: text, summary: text, stack: z.array(text), link: link.optional() }),
    ),
  }),
  openSource: z.object({
    heading: text,
    items: z.array(z.object({ name: text, description: text, href })),
  }),
  closing: z.object({ heading: text, body: text, actions: z.array(link) }),
});

export type Link = z.infer<typeof link>;
export type SiteContent = z.infer<typeof siteSchema>;
export type HomeContent = z.infer<typeof homeSchema>;

export const siteContent: SiteContent = siteSchema.parse(siteJson);
export const homeContent: HomeContent = homeSchema.parse(homeJson);

export function isInternal(target: string): boolean {
  return target.startsWith("/") && !target.startsWith("//");
}
