import { DateTime } from "#app/components/date-time.tsx";
import { servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { emailSchema } from "#app/models/user.ts";
import type { Route } from "./+types/dev.mailbox";

/** The development mailbox: mail kept instead of sent (no SMTP_URL outside production); 404 otherwise. */
export async function loader({ context, url }: Route.LoaderArgs) {
  // ?to=<address>: only the mail to one address (a test, or a developer with many accounts).
  const to = emailSchema.safeParse(url.searchParams.get("to"));
  try {
    return {
      mails: await servicesOf(context).mail.newestInMailbox(to.success ? to.data : undefined),
      to: to.success ? to.data : undefined,
    };
  } catch (error) {
    if (error instanceof AppError) throw problemPage(error);
    throw error;
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Development mailbox — glassbox" }];

export const headers = documentHeaders("no-store");

export default function DevMailbox({ loaderData: { mails, to } }: Route.ComponentProps) {
  return (
    <>
      <h1>Development mailbox</h1>
      <p className="muted">
        Without <code>SMTP_URL</code>, mail is kept here instead of being sent (development only). Newest first; a mail
        appears once the job worker has delivered it.{" "}
        <a href={to ? `/dev/mailbox?${new URLSearchParams({ to })}` : "/dev/mailbox"}>Reload</a>
        {to ? (
          <>
            {" "}
            · Only mail to {to}: <a href="/dev/mailbox">show all</a>
          </>
        ) : null}
      </p>
      {mails.length === 0 ? <p>No mail yet.</p> : null}
      <ol className="mailbox">
        {mails.map((mail) => (
          <li key={mail.id} className="card">
            <article aria-label={mail.subject}>
              <h2 className="mailbox__subject">{mail.subject}</h2>
              <dl className="facts">
                <dt>To</dt>
                <dd>{mail.to}</dd>
                <dt>From</dt>
                <dd>{mail.from}</dd>
                <dt>Sent</dt>
                <dd>
                  <DateTime value={mail.sentAt} />
                </dd>
              </dl>
              <pre className="mailbox__text">{mail.text}</pre>
            </article>
          </li>
        ))}
      </ol>
    </>
  );
}
