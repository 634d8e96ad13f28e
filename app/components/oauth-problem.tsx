import { Link } from "react-router";
import type { Problem } from "#app/models/errors.ts";

/** Why a GitHub or Google sign-in, link or unlink did not happen, and where to go from here. */
export function OAuthProblem({
  problem,
  signedIn,
  provider,
}: {
  problem: Problem;
  signedIn: boolean;
  provider: string;
}) {
  return (
    <section className="error-page" aria-labelledby="oauth-problem-title">
      <p className="eyebrow">Error {problem.status}</p>
      <h1 id="oauth-problem-title">
        {provider} {signedIn ? "was not changed" : "sign-in did not complete"}
      </h1>
      <p role="alert">{problem.message}</p>
      <p className="field__hint">
        Error code <code>{problem.code}</code>
      </p>
      <p>
        {signedIn ? (
          <Link className="button" to="/account">
            Back to your account
          </Link>
        ) : (
          <Link className="button" to="/login">
            Sign in
          </Link>
        )}
      </p>
    </section>
  );
}
