import { Form } from "react-router";
import type { OAuthConnection } from "../models/oauth.ts";
import { DateTime } from "./date-time.tsx";
import { GitHubButton } from "./github-button.tsx";

/** The account page's "Connected accounts": the linked GitHub account and its disconnect form, or a way to connect one. */
export function ConnectedAccounts({
  connections,
  gitHubEnabled,
  hasPassword,
}: {
  connections: readonly OAuthConnection[];
  gitHubEnabled: boolean;
  hasPassword: boolean;
}) {
  const github = connections.find((connection) => connection.provider === "github");
  if (!github && !gitHubEnabled) return null;
  return (
    <section aria-labelledby="connections-title">
      <h2 id="connections-title">Connected accounts</h2>
      {github ? (
        <div className="card">
          <dl className="facts">
            <dt>GitHub</dt>
            <dd>{github.login}</dd>
            <dt>Connected</dt>
            <dd>
              <DateTime value={github.createdAt} />
            </dd>
          </dl>
          {hasPassword ? null : <p>GitHub is your only way to sign in: set a password below before you disconnect it.</p>}
          <Form method="post" action="/auth/github/disconnect">
            <button type="submit" className="button button--quiet">
              Disconnect GitHub
            </button>
          </Form>
        </div>
      ) : (
        <>
          <p>Connect your GitHub account to sign in with it.</p>
          <GitHubButton>Connect GitHub</GitHubButton>
        </>
      )}
    </section>
  );
}
