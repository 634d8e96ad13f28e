/**
 * `Server-Timing: db;dur=…, render;dur=…, total;dur=…` so the browser's own network panel shows
 * what the lab's timeline shows. `total` is the time until the headers go out (a streamed page's
 * body may still be on its way). A page answered from the guest page cache says `cache;desc=hit`.
 */
export function serverTiming({
  dbMs,
  renderMs,
  totalMs,
  cacheHit = false,
}: {
  dbMs: number;
  renderMs?: number;
  totalMs: number;
  cacheHit?: boolean;
}): string {
  const metric = (name: string, ms: number) => `${name};dur=${Math.round(ms * 10) / 10}`;
  return [
    ...(cacheHit ? ["cache;desc=hit"] : []),
    metric("db", dbMs),
    ...(renderMs === undefined ? [] : [metric("render", renderMs)]),
    metric("total", totalMs),
  ].join(", ");
}
