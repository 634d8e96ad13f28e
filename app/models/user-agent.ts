import Bowser from "bowser";

/** What a session list calls a device whose user agent says nothing recognisable (or nothing at all). */
export const UNKNOWN_DEVICE = "Unknown browser";

/**
 * A user agent as people name their device: "Chrome on Linux", "Safari on iOS", "Firefox" (no
 * operating system given). Bowser reads the string; anything it cannot name (curl, a bot, an
 * empty header) is `UNKNOWN_DEVICE`. Names only: the raw string stays with the session.
 */
export function deviceName(userAgent: string | null | undefined): string {
  const trimmed = userAgent?.trim();
  if (!trimmed) return UNKNOWN_DEVICE;
  const { browser, os } = Bowser.parse(trimmed);
  if (!browser.name) return UNKNOWN_DEVICE;
  return os.name ? `${browser.name} on ${os.name}` : browser.name;
}
