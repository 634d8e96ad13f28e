import type { ReactNode } from "react";
import { Link } from "react-router";
import { isInternal } from "../models/content.ts";

/** Internal paths navigate client-side; external and mailto links stay plain anchors. */
export function SmartLink({ href, className, children }: { href: string; className?: string; children: ReactNode }) {
  if (isInternal(href)) {
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
