import type { LabOutcome } from "#app/models/lab.ts";
import { DateTime } from "#app/components/date-time.tsx";
import { LabWidget } from "./lab-widget.tsx";

/** Input through the domain's own validators, and a database lookup. */
export function BoundaryCheckWidget({ outcome }: { outcome: LabOutcome | undefined }) {
  return (
    <LabWidget
      id="boundary-check"
      title="Boundary check"
      intent="boundary-check"
      submitLabel="Validate"
      outcome={outcome}
      fields={
        <>
          <div className="field">
            <label htmlFor="boundary-rule">Rule</label>
            <select id="boundary-rule" name="rule" defaultValue="username">
              <option value="username">Username (3–20 of a-z, 0-9, _)</option>
              <option value="email">Email address</option>
              <option value="message">Chat message (1–1000 characters)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="boundary-input">Input</label>
            <input id="boundary-input" name="input" defaultValue="Not Valid!" maxLength={2000} />
          </div>
        </>
      }
      render={({ result }) =>
        result.ok ? (
          <p role="status" className="notice notice--success">
            Valid {result.rule}: <code>{result.value}</code>
          </p>
        ) : (
          <p role="alert" className="notice notice--error">
            Invalid {result.rule}: {result.error}
          </p>
        )
      }
    >
      <p>The same zod schemas that guard registration and the chat parse what you type, at the edge.</p>
    </LabWidget>
  );
}

export function DatabaseCheckWidget({ outcome }: { outcome: LabOutcome | undefined }) {
  return (
    <LabWidget
      id="database-check"
      title="Database check"
      intent="database-check"
      submitLabel="Look up"
      outcome={outcome}
      fields={
        <div className="field">
          <label htmlFor="database-email">Email</label>
          <input id="database-email" name="email" type="email" required autoComplete="off" />
        </div>
      }
      render={({ lookup }) =>
        lookup.found ? (
          <p role="status">
            Found <strong>{lookup.username}</strong> ({lookup.role}), a member since{" "}
            <DateTime value={lookup.memberSince} />: your own account.
          </p>
        ) : (
          <p role="status">No account of yours has this email.</p>
        )
      }
    >
      <p>
        One indexed query on the users table; its SQL shows in the trace (the email itself never does). It only ever
        finds your own account, so it tells nobody whether an address has one.
      </p>
    </LabWidget>
  );
}
