import { data, Form, Link, redirect } from "react-router";
import { z } from "zod";
import { DateTime } from "#app/components/date-time.tsx";
import { Notice } from "#app/components/notice.tsx";
import { servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { readForm, textOf } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { messageIdSchema, moderationDecisions, rooms } from "#app/models/chat.ts";
import { AppError } from "#app/models/errors.ts";
import { requireRole } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/chat.moderation";

const decisionForm = z.object({ decision: z.enum(moderationDecisions), messageId: messageIdSchema });
const notices = { approved: "Approved: everyone in the room sees it now.", removed: "Removed." } as const;

export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireRole(args, "moderator");
  const after = messageIdSchema
    .optional()
    .catch(undefined)
    .parse(args.url.searchParams.get("after") ?? undefined);
  const queue = await servicesOf(args.context).chat.moderationQueue(user, after);
  const done = z.enum(moderationDecisions).safeParse(args.url.searchParams.get("done"));
  return {
    queue,
    nextHref: queue.length === 50 ? `/chat/moderation?after=${queue.at(-1)?.id}` : undefined,
    notice: done.success ? notices[done.data] : undefined,
  };
}

export async function action(args: Route.ActionArgs) {
  const { user } = await requireRole(args, "moderator");
  const form = await readForm(args.request);
  const parsed = decisionForm.safeParse({ decision: textOf(form, "decision"), messageId: textOf(form, "messageId") });
  if (!parsed.success) return data({ formError: "Choose a message and a decision." }, { status: 400 });
  try {
    await servicesOf(args.context).chat.decide(user, parsed.data.messageId, parsed.data.decision);
  } catch (error) {
    if (error instanceof AppError) return formFailure(error, {});
    throw error;
  }
  return redirect(`/chat/moderation?done=${parsed.data.decision}`, 303);
}

export const meta: Route.MetaFunction = () => [{ title: "Moderation — glassbox chat" }];

export const headers = documentHeaders("private, no-store");

const roomName = (id: string) => rooms.find((room) => room.id === id)?.name ?? id;

export default function Moderation({ loaderData, actionData }: Route.ComponentProps) {
  const { queue, nextHref, notice } = loaderData;
  return (
    <>
      <h1>Moderation queue</h1>
      <Notice tone="success">{actionData ? undefined : notice}</Notice>
      <Notice tone="error">{actionData?.formError}</Notice>
      {queue.length === 0 ? <p>Nothing is waiting for review.</p> : null}
      <ol className="account-list">
        {queue.map((message) => (
          <li key={message.id} className="card">
            <p className="chat__meta">
              <strong>{message.authorName}</strong> in {roomName(message.roomId)},{" "}
              <DateTime value={message.createdAt} /> (held: {message.reason})
            </p>
            <p className="chat__body">{message.body}</p>
            <div className="actions">
              {moderationDecisions.map((decision) => (
                <Form method="post" key={decision}>
                  <input type="hidden" name="messageId" value={message.id} />
                  <input type="hidden" name="decision" value={decision} />
                  <button type="submit" className={decision === "approved" ? "button" : "button button--quiet"}>
                    {decision === "approved" ? "Approve" : "Remove"}
                    <span className="visually-hidden"> the message from {message.authorName}</span>
                  </button>
                </Form>
              ))}
            </div>
          </li>
        ))}
      </ol>
      {nextHref ? <Link to={nextHref}>Next 50</Link> : null}
    </>
  );
}
