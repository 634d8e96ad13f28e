import { homeContent, siteContent, type HomeContent, type SiteContent } from "../models/content.ts";

/** Page content; today from the repo's data files, tomorrow perhaps from the database. */
export function createContentService() {
  return {
    site: (): SiteContent => siteContent,
    home: (): HomeContent => homeContent,
  };
}

export type ContentService = ReturnType<typeof createContentService>;
