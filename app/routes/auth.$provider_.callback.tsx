import { data, redirect } from "react-router";
import { OAuthProblem } from "#app/components/oauth-problem.tsx";
import { requestContext } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { providerParam } from "#app/http/oauth-provider.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError, problemOf } from "#app/models/errors.ts";
import { providerNames } from "#app/models/oauth.ts";
import { AFTER_SIGN_IN } from "#app/sessions/guards.server.ts";
import { clearOAuthState, finishOAuthFlow, nextAfterOAuth } from "#app/sessions/oauth-flow.server.ts";
import { beginSignIn } from "#app/sessions/sign-in.server.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/auth.$provider_.callback";

/**
 * Where GitHub or Google sends the visitor back. A guest is signed in (the linked account, or a new
 * one); a signed-in member gets the provider linked. The state cookie is cleared whatever the outcome.
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const provider = providerParam(params);
  if (!provider) throw problemPage(new AppError("http:not_found"));
  const cleared = clearOAuthState(context, request);
  const { services, client } = context.get(requestContext);
  const { user } = await viewerOf(context);
  try {
    const identity = await finishOAuthFlow(context, request, provider);
    let response: Response;
    if (user) {
      await services.oauth.link(user, identity, client);
      response = redirect(`/account?done=${provider}-linked`, 303);
    } else {
      // Two-factor applies whatever the first factor was: with it on, the provider only starts the code step.
      response = await beginSignIn(
        context,
        await services.oauth.signIn(identity, client),
        nextAfterOAuth(context, request, AFTER_SIGN_IN),
      );
    }
    for (const cookie of cleared) response.headers.append("Set-Cookie", cookie);
    return response;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const headers = new Headers();
    for (const cookie of cleared) headers.append("Set-Cookie", cookie);
    return data(
      { problem: problemOf(error), signedIn: user !== null, provider: providerNames[provider] },
      { status: error.status, headers },
    );
  }
}

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: `${loaderData?.provider ?? "OAuth"} sign-in — glassbox` },
];

export const headers = documentHeaders("private, no-store");

export default function OAuthCallback({ loaderData }: Route.ComponentProps) {
  return <OAuthProblem problem={loaderData.problem} signedIn={loaderData.signedIn} provider={loaderData.provider} />;
}
