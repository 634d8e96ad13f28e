import type { MiddlewareFunction } from "react-router";
import { requestContext } from "#app/context.ts";

/**
 * The route middleware of a page every guest sees alike (the home page, case studies, projects):
 * the request context's guest page cache (`guest-page-cache.server.ts`) answers or keeps it.
 */
export const cacheForGuests: MiddlewareFunction<Response> = ({ request, context }, next) => {
  const { guestPages, cspNonce } = context.get(requestContext);
  return guestPages ? guestPages.serve(request, cspNonce, next) : next();
};
