import siteJson from "#content/site.json";
import { parseContent, siteSchema } from "./content.ts";

/**
 * content/site.json on its own: the header and footer render from it on every page, error pages
 * included, so the root imports it directly and the browser bundle carries only this file.
 */
export const siteContent = parseContent("content/site.json", siteSchema, siteJson);
