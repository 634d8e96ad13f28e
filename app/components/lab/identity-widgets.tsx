import { Link } from "react-router";
import { labHref } from "#app/models/content.ts";
import type { LabOutcome } from "#app/models/lab.ts";
import { DateTime } from "#app/components/date-time.tsx";
import { LabWidget } from "./lab-widget.tsx";

/** Who the server thinks you are: auth status and the session's own row. */
export function AuthStatusWidget({ outcome }: { outcome: LabOutcome | undefined }) {
  return (
    <LabWidget
      id="auth-status"
      title="Auth status"
      intent="auth-status"
      submitLabel="Check auth status"
      outcome={outcome}
      render={({ status }) => (
        <dl className="facts" aria-label="Auth status">
          <dt>Signed in</dt>
          <dd>{status.signedIn ? "yes" : "no"}</dd>
          {status.signedIn ? (
            <>
              <dt>Username</dt>
              <dd>{status.username}</dd>
              <dt>Role</dt>
              <dd>{status.role}</dd>
            </>
          ) : null}
        </dl>
      )}
    >
      <p>The server reads your session cookie, loads the account behind it, and says what it found.</p>
    </LabWidget>
  );
}

export function SessionDetailsWidget({ outcome }: { outcome: LabOutcome | undefined }) {
  return (
    <LabWidget
      id="session-details"
      title="Session details"
      intent="session-details"
      submitLabel="Show session details"
      outcome={outcome}
      render={({ details }) =>
        details.signedIn ? (
          <dl className="facts" aria-label="Session details">
            <dt>Session</dt>
            <dd>
              <code>{details.handle}</code>
            </dd>
            <dt>Started</dt>
            <dd>
              <DateTime value={details.createdAt} />
            </dd>
            <dt>Last seen</dt>
            <dd>
              <DateTime value={details.lastSeenAt} />
            </dd>
            <dt>Ends</dt>
            <dd>
              <DateTime value={details.expiresAt} /> (7 days without use, 30 days at most)
            </dd>
            <dt>Address</dt>
            <dd>{details.ip ?? "unknown"}</dd>
          </dl>
        ) : (
          <p>
            No server session: you are browsing as a guest.{" "}
            <Link to={`/login?${new URLSearchParams({ next: labHref("session-details") })}`}>Sign in</Link> to get one.
          </p>
        )
      }
    >
      <p>The session row in PostgreSQL behind your cookie: when it started, was last used, and ends.</p>
    </LabWidget>
  );
}
