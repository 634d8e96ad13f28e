import { servicesOf } from "#app/context.ts";
import { apiJson, parseParameters, queryOf } from "#app/http/api.ts";
import { actionLogPageSchema, actionLogQuerySchema } from "#app/http/api-schemas.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/api.v0.action-logs._index";

/**
 * `GET /api/v0/action-logs`: a page of entries, newest first, filtered; admins read all, members
 * their own. The live stream is `api.v0.action-logs.stream.ts`.
 */
export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireUser(args, "resource");
  const { before, limit, actor, ...filter } = parseParameters(actionLogQuerySchema, queryOf(args.url));
  const page = await servicesOf(args.context).actionLogs.list(user, { ...filter, actorId: actor }, { before, limit });
  return apiJson(actionLogPageSchema, page);
}
