import { apiJson } from "#app/http/api.ts";
import { roomListSchema } from "#app/http/api-schemas.ts";
import { rooms } from "#app/models/chat.ts";

/** `GET /api/v0/chat/rooms`: every room, in display order. */
export function loader() {
  return apiJson(roomListSchema, { rooms: rooms.map(({ id, name }) => ({ id, name })) });
}
