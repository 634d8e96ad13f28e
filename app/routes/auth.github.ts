import { redirect } from "react-router";
import { servicesOf } from "../context.ts";
import { readForm, textOf } from "../http/form.ts";
import { problemResponse } from "../http/problem.ts";
import { safeRedirectPath } from "../http/redirect-target.ts";
import { AppError } from "../models/errors.ts";
import { startGitHubFlow } from "../sessions/github.ts";
import { AFTER_SIGN_IN } from "../sessions/guards.ts";
import type { Route } from "./+types/auth.github";

/** Only the form's POST starts a flow; a visit goes to the sign-in page. */
export function loader() {
  return redirect("/login");
}

/** Starts GitHub sign-in (guests) or linking (signed in): 303 to GitHub with the state cookie. */
export async function action({ request, context }: Route.ActionArgs) {
  if (!servicesOf(context).oauth.github) return problemResponse(new AppError("oauth:not_configured"));
  const next = safeRedirectPath(textOf(await readForm(request), "next"), AFTER_SIGN_IN);
  try {
    return await startGitHubFlow(context, request, next);
  } catch (error) {
    if (error instanceof AppError) return problemResponse(error);
    throw error;
  }
}
