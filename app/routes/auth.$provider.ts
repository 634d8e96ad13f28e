import { redirect } from "react-router";
import { servicesOf } from "#app/context.ts";
import { readForm, textOf } from "#app/http/form.ts";
import { providerParam } from "#app/http/oauth-provider.ts";
import { problemResponse } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { AppError } from "#app/models/errors.ts";
import { oauthError } from "#app/models/oauth.ts";
import { startOAuthFlow } from "#app/sessions/oauth-flow.server.ts";
import { AFTER_SIGN_IN } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/auth.$provider";

/** Only the form's POST starts a flow; a visit goes to the sign-in page. */
export function loader({ params }: Route.LoaderArgs) {
  if (!providerParam(params)) return problemResponse(new AppError("http:not_found"));
  return redirect("/login");
}

/** Starts GitHub or Google sign-in (guests) or linking (signed in): 303 to the provider with the state cookie. */
export async function action({ request, context, params }: Route.ActionArgs) {
  const provider = providerParam(params);
  if (!provider) return problemResponse(new AppError("http:not_found"));
  if (!servicesOf(context).oauth.enabled().includes(provider))
    return problemResponse(oauthError("oauth:not_configured", provider));
  const next = safeRedirectPath(textOf(await readForm(request), "next"), AFTER_SIGN_IN);
  try {
    return await startOAuthFlow(context, request, provider, next);
  } catch (error) {
    if (error instanceof AppError) return problemResponse(error);
    throw error;
  }
}
