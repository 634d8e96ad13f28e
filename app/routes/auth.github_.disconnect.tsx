import { data, Link, redirect } from "react-router";
import { OAuthProblem } from "../components/oauth-problem.tsx";
import { requestContext } from "../context.ts";
import { documentHeaders } from "../http/document-headers.ts";
import { AppError, problemOf } from "../models/errors.ts";
import { requireUser } from "../sessions/guards.ts";
import type { Route } from "./+types/auth.github_.disconnect";

/**
 * Unlinks GitHub from the signed-in account (the form on /account), 303 back there. Refused with a
 * page saying why when GitHub is the account's only way to sign in. No loader: after a refused
 * post the page must render the refusal, not redirect.
 */
export async function action(args: Route.ActionArgs) {
  const { user } = await requireUser(args);
  const { services, client } = args.context.get(requestContext);
  try {
    await services.oauth.unlink(user, "github", client);
    return redirect("/account?done=github-unlinked", 303);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return data({ problem: problemOf(error) }, { status: error.status });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Disconnect GitHub — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function DisconnectGitHub({ actionData }: Route.ComponentProps) {
  if (actionData) return <OAuthProblem problem={actionData.problem} signedIn />;
  return (
    <section className="form-page" aria-labelledby="disconnect-title">
      <h1 id="disconnect-title">Disconnect GitHub</h1>
      <p>
        Disconnect GitHub from <Link to="/account">your account page</Link>.
      </p>
    </section>
  );
}
