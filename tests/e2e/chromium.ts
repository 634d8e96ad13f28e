import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

/**
 * Which Chromium to drive: PLAYWRIGHT_CHROMIUM_PATH, else Playwright's own download if present,
 * else Debian's /usr/bin/chromium. Nothing is downloaded at run time.
 */
export function chromiumExecutable(): string {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_PATH, playwrightsOwn(), "/usr/bin/chromium"];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) {
    throw new Error(
      "No Chromium found: run `apt-get install -y chromium` (or `npx playwright install chromium`), or set PLAYWRIGHT_CHROMIUM_PATH.",
    );
  }
  return found;
}

function playwrightsOwn(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/** Flags for a closed network and a root user (Debian's Chromium refuses to sandbox as root). */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
