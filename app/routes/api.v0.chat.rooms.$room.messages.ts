import { servicesOf } from "#app/context.ts";
import { apiCall, apiJson, parseParameters, queryOf, readJsonBody } from "#app/http/api.ts";
import {
  chatMessageSchema,
  messageListQuerySchema,
  messagePageSchema,
  newMessageSchema,
  roomPathSchema,
} from "#app/http/api-schemas.ts";
import { problemResponse } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/api.v0.chat.rooms.$room.messages";

/** The room named in the path; an unknown room is a 404, not a parameter error. */
function roomOf(params: Route.LoaderArgs["params"]) {
  const parsed = roomPathSchema.safeParse(params);
  if (!parsed.success) throw problemResponse(new AppError("chat:room_not_found"));
  return parsed.data.room;
}

/** `GET`: a page of the room's messages, newest first, as the viewer may see them (guests too). */
export async function loader({ params, url, context }: Route.LoaderArgs) {
  const room = roomOf(params);
  const query = parseParameters(messageListQuerySchema, queryOf(url));
  const { user } = await viewerOf(context);
  const page = await servicesOf(context).chat.messages(room, user, { before: query.before, limit: query.limit });
  return apiJson(messagePageSchema, page);
}

/** `POST` `{body}`: the chat page's rules (rate limit, moderation hold); 201 with the stored message. */
export async function action(args: Route.ActionArgs) {
  return apiCall(async () => {
    if (args.request.method !== "POST") throw new AppError("api:method_not_allowed");
    const { user } = await requireUser(args, "resource");
    const room = roomOf(args.params);
    const { body } = await readJsonBody(args.request, newMessageSchema);
    const message = await servicesOf(args.context).chat.post(user, room, body);
    return apiJson(chatMessageSchema, message, 201);
  });
}
