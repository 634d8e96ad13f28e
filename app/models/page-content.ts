import homeJson from "#content/home.json";
import openSourceJson from "#content/open-source.json";
import resumeJson from "#content/resume.json";
import workJson from "#content/work.json";
import { homeSchema, parseContent } from "./content.ts";
import { openSourceSchema } from "./open-source.ts";
import { resumeSchema } from "./resume.ts";
import { workSchema } from "./work.ts";

/**
 * The pages' files under content/, parsed once when the server starts: a broken file stops the
 * start with its name and fields (ContentError) instead of rendering a half-empty page later.
 * Only the content service imports this, so none of it is shipped to the browser.
 */
export const homeContent = parseContent("content/home.json", homeSchema, homeJson);
export const workContent = parseContent("content/work.json", workSchema, workJson);
export const openSourceContent = parseContent("content/open-source.json", openSourceSchema, openSourceJson);
export const resumeContent = parseContent("content/resume.json", resumeSchema, resumeJson);
