/**
 * A cookie jar for one test client: it keeps every cookie a response sets (the visitor cookie as
 * well as the session), forgets the ones a response clears, and sends them all back. Path, domain
 * and expiry beyond "cleared" are ignored: the tests talk to one origin.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response (`response.headers.getSetCookie()` or node's `set-cookie`). */
  store(setCookies: readonly string[] | undefined): void {
    for (const header of setCookies ?? []) {
      const pair = header.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const cleared = value === "" || /;\s*max-age=0/i.test(header) || /;\s*expires=Thu, 01 Jan 1970/i.test(header);
      if (cleared) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  /** The Cookie request header; undefined while the jar is empty. */
  header(): string | undefined {
    return this.#cookies.size === 0
      ? undefined
      : [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}
