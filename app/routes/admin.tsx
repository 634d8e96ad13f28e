import { data, Form, Link, redirect } from "react-router";
import { z } from "zod";
import { ActionLogPanel } from "#app/components/action-log-panel.tsx";
import { DateTime } from "#app/components/date-time.tsx";
import { Notice } from "#app/components/notice.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { roleChangeForm } from "#app/http/account-forms.ts";
import { parseActionLogFilter } from "#app/http/action-log-filter.ts";
import { parseForm, readForm, type FormState } from "#app/http/form.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { formFailure } from "#app/http/problem.ts";
import { ACTION_LOG_PAGE } from "#app/models/action-log.ts";
import { AppError } from "#app/models/errors.ts";
import { requireRole } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/admin";

type AdminState = FormState<"userId">;

const notices: Record<string, string | undefined> = {
  promoted: "The member is now a moderator.",
  demoted: "The moderator is a member again.",
};

/** A search prefix: control characters (which Postgres text cannot hold) are dropped, length capped. */
const querySchema = z
  .string()
  .transform((value) =>
    value
      .replace(/\p{Cc}/gu, "")
      .trim()
      .toLowerCase()
      .slice(0, 254),
  )
  .optional()
  .catch(undefined);

export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireRole(args, "admin");
  const { admin, actionLogs } = servicesOf(args.context);
  const query = querySchema.parse(args.url.searchParams.get("q") ?? undefined) || undefined;
  const log = parseActionLogFilter(args.url.searchParams);
  const [users, page] = await Promise.all([
    admin.listUsers(user, query),
    actionLogs.list(user, log.filter, { before: log.before, limit: ACTION_LOG_PAGE.default }),
  ]);
  const older = new URLSearchParams(Object.entries(log.values).filter(([, value]) => value !== ""));
  if (page.nextCursor) older.set("before", page.nextCursor);
  return {
    query: query ?? "",
    users,
    actionLog: {
      entries: page.entries,
      filter: log.filter,
      values: log.values,
      filterError: log.error,
      newest: log.before === undefined,
      olderHref: page.nextCursor ? `/admin?${older}#action-log` : undefined,
    },
    notice: notices[args.url.searchParams.get("done") ?? ""],
  };
}

export async function action(args: Route.ActionArgs) {
  const { user } = await requireRole(args, "admin");
  const { services, client } = args.context.get(requestContext);
  const parsed = parseForm(roleChangeForm, await readForm(args.request));
  if (!parsed.ok) return data<AdminState>({ formError: "Choose an account and a role change." }, { status: 400 });
  try {
    await services.admin.changeRole(user, parsed.data.userId, parsed.data.change, client);
  } catch (error) {
    if (error instanceof AppError) return formFailure<AdminState>(error, {});
    throw error;
  }
  return redirect(`/admin?done=${parsed.data.change === "promote" ? "promoted" : "demoted"}`, 303);
}

export const meta: Route.MetaFunction = () => [{ title: "Admin — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function Admin({ loaderData, actionData }: Route.ComponentProps) {
  const { query, users, actionLog, notice } = loaderData;
  const state: AdminState | undefined = actionData;
  return (
    <>
      <h1>Admin</h1>
      <p>
        <Link to="/admin/jobs">Background jobs</Link>: failed and retrying jobs (mail delivery, housekeeping).
      </p>
      <Notice tone="success">{state ? undefined : notice}</Notice>
      <Notice tone="error">{state?.formError}</Notice>

      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        <Form method="get" className="inline-form" role="search">
          <label htmlFor="account-query">Find accounts by username or email</label>
          <input id="account-query" name="q" type="search" defaultValue={query} />
          <button type="submit" className="button button--quiet">
            Search
          </button>
        </Form>
        <p className="muted">{query ? `Accounts starting with “${query}”` : "The 50 newest accounts"}</p>
        <ul className="account-list">
          {users.map((account) => (
            <li key={account.id} className="card">
              <p>
                <strong>{account.username}</strong> <span className="muted">{account.email}</span>
              </p>
              <p>
                <Link to={`/admin?actor=${account.id}#action-log`}>
                  Activity<span className="visually-hidden"> of {account.username}</span>
                </Link>
              </p>
              <p>
                {account.role}, joined <DateTime value={account.createdAt} />
              </p>
              {account.role === "member" || account.role === "moderator" ? (
                <Form method="post">
                  <input type="hidden" name="userId" value={account.id} />
                  <input type="hidden" name="change" value={account.role === "member" ? "promote" : "demote"} />
                  <button type="submit" className="button button--quiet">
                    {account.role === "member" ? "Make moderator" : "Make member"}
                    <span className="visually-hidden"> ({account.username})</span>
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <ActionLogPanel
        key={`${actionLog.entries[0]?.id ?? "-"} ${JSON.stringify(actionLog.values)} ${actionLog.newest}`}
        {...actionLog}
      />
    </>
  );
}
