import { Link } from "react-router";
import { labHref, type LabLink as LabLinkContent } from "#app/models/content.ts";

/** A link into the lab section that demonstrates a claim. */
export function LabLink({ demo, className }: { demo: LabLinkContent; className?: string }) {
  return (
    <Link to={labHref(demo.section)} className={className}>
      {demo.label}
    </Link>
  );
}
