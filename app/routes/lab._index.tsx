import { data, redirect } from "react-router";
import { z } from "zod";
import { LabPage } from "#app/components/lab/lab-page.tsx";
import { requestContext } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, textOf } from "#app/http/form.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { retryAfter } from "#app/http/problem.ts";
import { DEFAULT_ROOM, rooms } from "#app/models/chat.ts";
import { labHref } from "#app/models/content.ts";
import { AppError } from "#app/models/errors.ts";
import {
  boundaryRuleSchema,
  burstSizeSchema,
  counterDeltaSchema,
  type LabOutcome,
  type LabResult,
  type LabWidget,
} from "#app/models/lab.ts";
import { SHOWN_REQUESTS } from "#app/models/timeline.ts";
import { emailSchema, isEmailVerified } from "#app/models/user.ts";
import type { CommandTarget } from "#app/services/lab.server.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/lab._index";

/** Outcomes of the command demo without JavaScript, shown after the redirect (303 to ?done=…). */
const commandNotices = {
  stepped: "The counter moved.",
  guarded: "The guarded action finished: +1.",
  done: "The cancelable work finished.",
  cancelled: "The cancelable work was cancelled by a newer one.",
} as const;
const doneSchema = z.enum(Object.keys(commandNotices) as [keyof typeof commandNotices]);

export async function loader({ context, url }: Route.LoaderArgs) {
  const { services, requestId, client, visitorId } = context.get(requestContext);
  const { user, session } = await viewerOf(context);
  const done = doneSchema.safeParse(url.searchParams.get("done"));
  // Deferred (not awaited): the shell goes out while the database answers (decision 0019). A failure
  // reaches the chat panel's error element; marked handled, it never counts as an unhandled rejection.
  const chatHistory = services.chat.visit(user, DEFAULT_ROOM);
  chatHistory.catch(() => undefined);
  return {
    viewer: user ? { username: user.username, role: user.role } : null,
    meta: {
      requestId,
      // Session ids are bearer secrets: the page shows the same one-way handle /account uses.
      session: services.lab.sessionLabel(session.id),
      userId: user?.id ?? null,
      ip: client.ip,
      userAgent: client.userAgent ?? null,
    },
    // Others' lines: only as many as the page can show (the stream brings the rest as it happens).
    snapshot: services.trace.snapshot(services.trace.current()?.visitorId ?? null, SHOWN_REQUESTS),
    diagnostics: services.trace.diagnostics(services.trace.current()?.visitorId ?? null),
    traceAfter: services.trace.lastSeq(),
    filter: url.searchParams.get("filter") ?? "",
    count: await services.lab.count(visitorId),
    commandNotice: done.success ? commandNotices[done.data] : undefined,
    chat: {
      room: rooms.find((candidate) => candidate.id === DEFAULT_ROOM) ?? rooms[0],
      signedIn: user !== null,
      unverified: user !== null && !isEmailVerified(user),
      botDone: url.searchParams.get("done") === "bot",
    },
    chatHistory,
  };
}

const forms = {
  "auth-status": z.object({}),
  "session-details": z.object({}),
  "boundary-check": z.object({
    rule: boundaryRuleSchema,
    input: z.string().max(2000, "Use at most 2000 characters").default(""),
  }),
  "database-check": z.object({ email: emailSchema }),
  burst: z.object({ size: burstSizeSchema }),
  step: z.object({ delta: counterDeltaSchema, tab: z.uuid().optional() }),
  guarded: z.object({ tab: z.uuid().optional() }),
  cancelable: z.object({ tab: z.uuid().optional() }),
} as const;
type Intent = keyof typeof forms;
const intentSchema = z.enum(Object.keys(forms) as [Intent, ...Intent[]]);
const widgetOf = (intent: Intent): LabWidget =>
  intent === "step" || intent === "guarded" || intent === "cancelable" ? "command" : intent;

/** A form that does not parse: the widget shows the first problem (400). */
class InvalidForm extends Error {}

export async function action({ request, context }: Route.ActionArgs) {
  const { services, visitorId, selfOrigin, client } = context.get(requestContext);
  const form = await readForm(request);
  const intent = intentSchema.safeParse(textOf(form, "intent"));
  if (!intent.success) throw data("Unknown lab action.", { status: 400 });
  const widget = widgetOf(intent.data);
  // Each widget shows the trace of its own request, as far as it got.
  const answer = (result: LabResult | { widget: LabWidget; error: string }, init?: ResponseInit) =>
    data<LabOutcome>({ ...result, trace: services.trace.current()?.events.toArray() ?? [] }, init);
  const read = <Schema extends z.ZodObject>(schema: Schema): z.output<Schema> => {
    const parsed = parseForm(schema, form);
    if (!parsed.ok) throw new InvalidForm(Object.values<string | undefined>(parsed.errors)[0] ?? "Check the form.");
    return parsed.data;
  };
  const targetOf = (tab: string | undefined): CommandTarget => ({
    visitorId,
    tabKey: tab === undefined ? undefined : `${visitorId}:${tab}`,
  });
  // A command changes state: without JavaScript (no tab) the page comes back through a redirect.
  const commandDone = (target: CommandTarget, done: keyof typeof commandNotices, count: number) =>
    target.tabKey
      ? answer({ widget: "command", count, note: commandNotices[done] })
      : redirect(labHref("command", `?done=${done}`), 303);

  try {
    const { user, session } = await viewerOf(context);
    switch (intent.data) {
      case "auth-status":
        return answer({ widget: "auth-status", status: services.lab.authStatus(user) });
      case "session-details": {
        const current =
          user && session.id
            ? (await services.accounts.listSessions(user, session.id)).find((one) => one.current)
            : undefined;
        return answer({ widget: "session-details", details: services.lab.sessionDetails(current) });
      }
      case "boundary-check": {
        const { rule, input } = read(forms["boundary-check"]);
        return answer({ widget: "boundary-check", result: services.lab.boundary(rule, input) });
      }
      case "database-check":
        return answer({
          widget: "database-check",
          lookup: await services.lab.lookUpAccount(read(forms["database-check"]).email, user, client),
        });
      case "burst": {
        const { size } = read(forms.burst);
        // The probes go to this instance itself (never to the Host header's idea of it) as this visitor.
        const cookie = request.headers.get("cookie");
        const probe = () =>
          fetch(`${selfOrigin}/lab/probe`, { headers: cookie ? { cookie } : {} }).then(
            (response) => response.status === 204,
            () => false,
          );
        return answer({ widget: "burst", summary: await services.lab.burst(size, probe) });
      }
      case "step": {
        const { delta, tab } = read(forms.step);
        const target = targetOf(tab);
        return commandDone(target, "stepped", await services.lab.step(target, delta));
      }
      case "guarded": {
        const target = targetOf(read(forms.guarded).tab);
        return commandDone(target, "guarded", await services.lab.guarded(target));
      }
      case "cancelable": {
        const target = targetOf(read(forms.cancelable).tab);
        return commandDone(target, await services.lab.cancelable(target), await services.lab.count(visitorId));
      }
    }
  } catch (error) {
    if (error instanceof InvalidForm) return answer({ widget, error: error.message }, { status: 400 });
    if (error instanceof AppError)
      return answer({ widget, error: error.message }, { status: error.status, headers: retryAfter(error) });
    throw error;
  }
}

export const meta: Route.MetaFunction = () =>
  pageMeta({
    title: "Live lab — glassbox",
    description: "Watch this server's own requests, SQL statements and pushes as you use it.",
  });

export const headers = documentHeaders("private, no-store");

export default function Lab({ loaderData, actionData }: Route.ComponentProps) {
  return <LabPage {...loaderData} outcome={actionData} />;
}
