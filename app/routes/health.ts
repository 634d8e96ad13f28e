/** Liveness for load balancers: answers while the process serves HTTP, touches nothing else. */
export function loader() {
  return new Response("OK", { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}
