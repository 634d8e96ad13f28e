import { apiJson } from "../http/api.ts";
import { roomListSchema } from "../http/api-schemas.ts";
import { rooms } from "../models/chat.ts";

/** `GET /api/v0/chat/rooms`: every room, in display order. */
export function loader() {
  return apiJson(roomListSchema, { rooms: rooms.map(({ id, name }) => ({ id, name })) });
}
