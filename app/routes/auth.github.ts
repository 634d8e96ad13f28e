import { redirect } from "react-router";
import { problemResponse } from "../http/problem.ts";
import { AppError } from "../models/errors.ts";
import { startGitHubFlow } from "../sessions/github.ts";
import type { Route } from "./+types/auth.github";

/** Only the form's POST starts a flow; a visit goes to the sign-in page. */
export function loader() {
  return redirect("/login");
}

/** Starts GitHub sign-in (guests) or linking (signed in): 303 to GitHub with the state cookie. */
export async function action({ request, context }: Route.ActionArgs) {
  try {
    return await startGitHubFlow(context, request);
  } catch (error) {
    if (error instanceof AppError) return problemResponse(error);
    throw error;
  }
}
