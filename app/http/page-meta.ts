import type { MetaDescriptor } from "react-router";

/** A page's document title and meta description; none while an error page renders instead. */
export function pageMeta(page: { title: string; description: string } | undefined): MetaDescriptor[] {
  return page ? [{ title: page.title }, { name: "description", content: page.description }] : [];
}
