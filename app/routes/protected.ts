import { redirect } from "react-router";

/** The seeds' members-only page lives on as /account. */
export function loader() {
  return redirect("/account", 301);
}
