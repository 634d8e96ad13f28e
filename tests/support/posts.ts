import { expect } from "vitest";
import type { Browser } from "./browser.ts";

/** Helpers shared by the writing integration tests. */
export interface PostFields {
  readonly title: string;
  readonly body: string;
  readonly slug?: string;
  readonly summary?: string;
}

/** Publishes a post through the form and expects the 303 to its page; returns its slug. */
export async function writePost(author: Browser, fields: PostFields): Promise<string> {
  const response = await author.post("/writing/new", { slug: "", summary: "", ...fields });
  expect(
    response.status,
    `publish "${fields.title}": ${response.status === 303 ? "" : (await response.text()).slice(0, 500)}`,
  ).toBe(303);
  const location = response.headers.get("location") ?? "";
  const slug = /^\/writing\/([a-z0-9-]+)\?done=saved$/.exec(location)?.[1];
  expect(slug, location).toBeDefined();
  return slug!;
}

/** The slugs a /writing page lists, in page order. */
export const listedSlugs = (html: string) =>
  [...html.matchAll(/data-post-slug="([a-z0-9-]+)"/g)].map((match) => match[1]!);

/** The href of the link with this text ("Older posts", "More results"), unescaped; undefined when absent. */
export const linkTo = (html: string, text: string) =>
  [...html.matchAll(/<a[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)]
    .find((match) => match[2] === text)?.[1]
    ?.replaceAll("&amp;", "&");

/** Follows `text` links from `path` to the end; every page's slugs, in order. */
export async function walkPages(browser: Browser, path: string, text: string): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = path;
  while (next) {
    const response = await browser.get(next);
    expect(response.status, next).toBe(200);
    const html = await response.text();
    pages.push(listedSlugs(html));
    next = linkTo(html, text);
    expect(pages.length, "pagination ends").toBeLessThan(50);
  }
  return pages;
}
