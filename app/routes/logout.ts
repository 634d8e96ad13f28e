import { redirect } from "react-router";
import { signOutAndRedirect } from "#app/sessions/sign-in.server.ts";
import type { Route } from "./+types/logout";

/** Signing out changes state, so only a POST does it; a GET (a link, a prefetch) goes home. */
export function loader() {
  return redirect("/");
}

export function action({ context }: Route.ActionArgs) {
  return signOutAndRedirect(context, "/");
}
