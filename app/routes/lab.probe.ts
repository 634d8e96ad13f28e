/** `GET /lab/probe`: the request burst's target. It does nothing but be traced: 204, no body. */
export function loader() {
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}
