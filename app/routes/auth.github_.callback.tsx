import { data, redirect } from "react-router";
import { OAuthProblem } from "../components/oauth-problem.tsx";
import { requestContext } from "../context.ts";
import { documentHeaders } from "../http/document-headers.ts";
import { AppError, problemOf } from "../models/errors.ts";
import { clearGitHubState, finishGitHubFlow, nextAfterGitHub } from "../sessions/github.ts";
import { AFTER_SIGN_IN } from "../sessions/guards.ts";
import { beginSignIn } from "../sessions/sign-in.ts";
import { viewerOf } from "../sessions/viewer.ts";
import type { Route } from "./+types/auth.github_.callback";

/**
 * Where GitHub sends the visitor back. A guest is signed in (the linked account, or a new one);
 * a signed-in member gets GitHub linked. The state cookie is cleared whatever the outcome.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const cleared = clearGitHubState(context, request);
  const { services, client } = context.get(requestContext);
  const { user } = await viewerOf(context);
  try {
    const identity = await finishGitHubFlow(context, request);
    let response: Response;
    if (user) {
      await services.oauth.linkGitHub(user, identity, client);
      response = redirect("/account?done=github-linked", 303);
    } else {
      // Two-factor applies whatever the first factor was: with it on, GitHub only starts the code step.
      response = await beginSignIn(context, await services.oauth.signInWithGitHub(identity, client), nextAfterGitHub(context, request, AFTER_SIGN_IN));
    }
    for (const cookie of cleared) response.headers.append("Set-Cookie", cookie);
    return response;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const headers = new Headers();
    for (const cookie of cleared) headers.append("Set-Cookie", cookie);
    return data({ problem: problemOf(error), signedIn: user !== null }, { status: error.status, headers });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "GitHub sign-in — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function GitHubCallback({ loaderData }: Route.ComponentProps) {
  return <OAuthProblem problem={loaderData.problem} signedIn={loaderData.signedIn} />;
}
