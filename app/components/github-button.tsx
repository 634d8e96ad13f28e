import { Form } from "react-router";

/**
 * "Continue with GitHub" (sign-in) / "Connect GitHub": a form post to /auth/github, which redirects to GitHub.
 * Always a full document submission (`reloadDocument`), with or without JavaScript: the answer is a
 * redirect to another site, with the state cookie on it.
 */
export function GitHubButton({ children, next }: { children: string; next?: string }) {
  return (
    <Form method="post" action="/auth/github" reloadDocument>
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <button type="submit" className="button button--quiet">
        {children}
      </button>
    </Form>
  );
}
