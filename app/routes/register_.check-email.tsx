import { Link } from "react-router";
import { documentHeaders } from "#app/http/document-headers.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { AFTER_SIGN_IN } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/register_.check-email";

/**
 * Where every accepted sign-up lands, whether the address was new or already had an account: the
 * page cannot tell them apart, so neither can a stranger (docs/decisions/0018). The mail says which.
 */
export function loader({ url }: Route.LoaderArgs) {
  return { next: safeRedirectPath(url.searchParams.get("next"), AFTER_SIGN_IN) };
}

export const meta: Route.MetaFunction = () => [{ title: "Check your email — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function CheckEmail({ loaderData }: Route.ComponentProps) {
  return (
    <section className="form-page" aria-labelledby="check-email-title">
      <h1 id="check-email-title">Check your email</h1>
      <p role="status">
        We sent a message to the address you gave. Follow its link to finish creating your account: it signs you in. The
        link works once, for 24 hours.
      </p>
      <p>
        If that address already has an account, the message says so instead, and how to sign in or choose a new
        password. Nothing arrived after a few minutes? Look in your spam folder, or{" "}
        <Link to={`/register?${new URLSearchParams({ next: loaderData.next })}`}>register again</Link>.
      </p>
      <p>
        <Link to={`/login?${new URLSearchParams({ next: loaderData.next })}`}>Sign in</Link> ·{" "}
        <Link to="/forgot-password">Forgot password?</Link>
      </p>
    </section>
  );
}
