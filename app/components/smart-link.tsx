import type { ReactNode } from "react";
import { Link } from "react-router";
import { isInternal } from "#app/models/content.ts";

/** A path whose last segment has an extension (/resume.txt) is a file, not a page to render. */
function isFile(path: string): boolean {
  return /\.[a-z0-9]+$/i.test(path.split(/[?#]/, 1)[0] ?? "");
}

/** Internal pages navigate client-side; files, external and mailto links stay plain anchors. */
export function SmartLink({ href, className, children }: { href: string; className?: string; children: ReactNode }) {
  if (isInternal(href) && !isFile(href)) {
    return (
      <Link to={href} className={className}>
        {children}
      </Link>
    );
  }
  return (
    <a href={href} className={className} rel={href.startsWith("http") ? "noreferrer" : undefined}>
      {children}
    </a>
  );
}
