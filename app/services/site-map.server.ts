import { notePath } from "#app/models/note.ts";
import type { ContentService } from "./content.server.ts";
import type { PostsService } from "./posts.server.ts";

/** A public page, for sitemap.xml: its path and, when known, when it last changed. */
export interface SiteMapEntry {
  readonly path: string;
  readonly lastModified?: Date;
}

/** The pages a stranger may open: content pages, case studies, posts and notes (never accounts or admin). */
export function createSiteMapService({ content, posts }: { content: ContentService; posts: PostsService }) {
  return {
    async entries(): Promise<SiteMapEntry[]> {
      const fixed = ["/", "/work", "/open-source", "/writing", "/notes", "/lab", "/docs", "/resume.txt"];
      const studies = content.work().studies.map((study) => `/work/${study.slug}`);
      const notes = content.notes().map((note) => notePath(note.slug));
      const writing = (await posts.index()).map((post) => ({
        path: `/writing/${post.slug}`,
        lastModified: post.updatedAt,
      }));
      return [...[...fixed, ...studies, ...notes].map((path) => ({ path })), ...writing];
    },
  };
}
