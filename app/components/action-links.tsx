import type { Link } from "#app/models/content.ts";
import { SmartLink } from "./smart-link.tsx";

/** A row of call-to-action buttons: the first is the primary one, the rest are quieter. */
export function ActionLinks({ actions }: { actions: readonly Link[] }) {
  return (
    <p className="actions">
      {actions.map((action, index) => (
        <SmartLink key={action.href} href={action.href} className={index === 0 ? "button" : "button button--quiet"}>
          {action.label}
        </SmartLink>
      ))}
    </p>
  );
}
