import { Form } from "react-router";

/** Shown on every page to a member whose address is not proven yet: they may read, not post, until they follow the link. */
export function VerifyEmailBanner({ email }: { email: string }) {
  return (
    <aside className="verify-banner" aria-label="Email confirmation">
      <div className="container verify-banner__inner">
        <p>
          Confirm your email address <strong>{email}</strong> to post in the chat: follow the link we mailed you.
        </p>
        <Form method="post" action="/verify-email">
          <input type="hidden" name="intent" value="resend" />
          <button type="submit" className="button button--quiet">
            Send the link again
          </button>
        </Form>
      </div>
    </aside>
  );
}
