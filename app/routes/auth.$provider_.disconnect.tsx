import { data, Link, redirect } from "react-router";
import { OAuthProblem } from "#app/components/oauth-problem.tsx";
import { requestContext } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { providerParam } from "#app/http/oauth-provider.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError, problemOf } from "#app/models/errors.ts";
import { providerNames } from "#app/models/oauth.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/auth.$provider_.disconnect";

/**
 * Unlinks GitHub or Google from the signed-in account (the form on /account), 303 back there.
 * Refused with a page saying why when it is the account's only way to sign in. No loader: after a
 * refused post the page must render the refusal, not redirect.
 */
export async function action(args: Route.ActionArgs) {
  const provider = providerParam(args.params);
  if (!provider) throw problemPage(new AppError("http:not_found"));
  const { user } = await requireUser(args);
  const { services, client } = args.context.get(requestContext);
  try {
    await services.oauth.unlink(user, provider, client);
    return redirect(`/account?done=${provider}-unlinked`, 303);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return data({ problem: problemOf(error), provider: providerNames[provider] }, { status: error.status });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Disconnect a sign-in provider — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function DisconnectProvider({ actionData }: Route.ComponentProps) {
  if (actionData) return <OAuthProblem problem={actionData.problem} signedIn provider={actionData.provider} />;
  return (
    <section className="form-page" aria-labelledby="disconnect-title">
      <h1 id="disconnect-title">Disconnect a sign-in provider</h1>
      <p>
        Disconnect GitHub or Google from <Link to="/account">your account page</Link>.
      </p>
    </section>
  );
}
