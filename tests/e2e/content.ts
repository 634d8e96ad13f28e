import { readFileSync } from "node:fs";
import type { z } from "zod";
import { homeSchema, parseContent, siteSchema } from "#app/models/content.ts";
import { openSourceSchema } from "#app/models/open-source.ts";
import { resumeSchema } from "#app/models/resume.ts";
import { workSchema } from "#app/models/work.ts";

/** The files under content/ as the server parses them, so tests assert what an owner wrote. */
function read<Schema extends z.ZodType>(name: string, schema: Schema): z.infer<Schema> {
  const json: unknown = JSON.parse(readFileSync(new URL(`../../content/${name}`, import.meta.url), "utf8"));
  return parseContent(`content/${name}`, schema, json);
}

export const site = read("site.json", siteSchema);
export const home = read("home.json", homeSchema);
export const work = read("work.json", workSchema);
export const openSource = read("open-source.json", openSourceSchema);
export const resume = read("resume.json", resumeSchema);
