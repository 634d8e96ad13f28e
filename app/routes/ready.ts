import { servicesOf } from "#app/context.ts";
import type { Route } from "./+types/ready";

/** Readiness for load balancers: 200 while the database answers, 503 otherwise. */
export async function loader({ context }: Route.LoaderArgs) {
  const readiness = await servicesOf(context).health.readiness();
  return new Response(readiness.ready ? "READY" : `NOT READY: ${readiness.reason}`, {
    status: readiness.ready ? 200 : 503,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}
