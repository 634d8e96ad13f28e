import { apiJson } from "#app/http/api.ts";
import { meSchema } from "#app/http/api-schemas.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/api.v0.me";

/** The signed-in account as JSON; 401 with the catalogue problem for guests. */
export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireUser(args, "resource");
  return apiJson(meSchema, { id: user.id, username: user.username, email: user.email, role: user.role });
}
