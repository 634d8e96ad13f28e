import { isbot } from "isbot";

/**
 * Whether a document may stream (the shell first, deferred panels as their data arrives). React
 * reveals streamed panels with inline scripts, so a browser without JavaScript would keep seeing
 * their fallbacks: documents stream only for browsers known to run scripts, which the scripts say
 * themselves with a session cookie (no identifier, just "1"). Everyone else, crawlers included, gets
 * the whole document at once, every panel in place.
 */
export const SCRIPTS_COOKIE = "glassbox_js";

const SCRIPTS_COOKIE_PAIR = new RegExp(`(?:^|;\\s*)${SCRIPTS_COOKIE}=1(?:;|$)`);

export function streamsDocument(request: Request): boolean {
  const cookie = request.headers.get("cookie");
  if (!cookie || !SCRIPTS_COOKIE_PAIR.test(cookie)) return false;
  const userAgent = request.headers.get("user-agent");
  return !(userAgent && isbot(userAgent));
}

/** In the browser, once scripts run: later documents of this browser session may stream. */
export function rememberScriptsRun(): void {
  if (document.cookie.includes(`${SCRIPTS_COOKIE}=1`)) return;
  document.cookie = `${SCRIPTS_COOKIE}=1; Path=/; SameSite=Lax${location.protocol === "https:" ? "; Secure" : ""}`;
}
