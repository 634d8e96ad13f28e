import { Form } from "react-router";
import { providerNames, type OAuthConnection, type OAuthProvider } from "#app/models/oauth.ts";
import { DateTime } from "./date-time.tsx";
import { OAuthButton } from "./oauth-button.tsx";

/** The account page's "Connected accounts": each provider's linked login and its disconnect form, or a way to connect one. */
export function ConnectedAccounts({
  connections,
  enabled,
  hasPassword,
}: {
  connections: readonly OAuthConnection[];
  /** The providers this server offers. */
  enabled: readonly OAuthProvider[];
  hasPassword: boolean;
}) {
  const shown = [...new Set<OAuthProvider>([...enabled, ...connections.map((connection) => connection.provider)])];
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="connections-title">
      <h2 id="connections-title">Connected accounts</h2>
      {shown.map((provider) => {
        const name = providerNames[provider];
        const linked = connections.find((connection) => connection.provider === provider);
        if (!linked) {
          return (
            <div key={provider} className="card">
              <p>Connect your {name} account to sign in with it.</p>
              <OAuthButton provider={provider}>{`Connect ${name}`}</OAuthButton>
            </div>
          );
        }
        return (
          <div key={provider} className="card">
            <dl className="facts">
              <dt>{name}</dt>
              <dd>{linked.login}</dd>
              <dt>Connected</dt>
              <dd>
                <DateTime value={linked.createdAt} />
              </dd>
            </dl>
            {hasPassword || connections.length > 1 ? null : (
              <p>{name} is your only way to sign in: set a password below before you disconnect it.</p>
            )}
            <Form method="post" action={`/auth/${provider}/disconnect`}>
              <button type="submit" className="button button--quiet">
                Disconnect {name}
              </button>
            </Form>
          </div>
        );
      })}
    </section>
  );
}
