/**
 * A same-site path (`/lab#chat`, `/chat?room=demo`) with one query parameter set, its other
 * parameters and fragment kept: how a redirect tells the page it leads to what just happened
 * (`?done=bot`).
 */
export function withSearchParam(path: string, name: string, value: string): string {
  const url = new URL(path, "http://localhost");
  url.searchParams.set(name, value);
  return `${url.pathname}${url.search}${url.hash}`;
}
