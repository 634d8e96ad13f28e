import { expect } from "vitest";
import { formBody, nextIp } from "./browser.ts";
import { CookieJar } from "./cookie-jar.ts";

/**
 * A browser for the OAuth journeys: every cookie kept (visitor, state, session), its own address,
 * same-origin posts; and the two halves of a visit to a fake provider (tests/support/fake-oauth.ts):
 * being sent there, and deciding on its approve page.
 */
export class OAuthTestClient {
  readonly jar = new CookieJar();
  readonly ip = nextIp();

  constructor(readonly serverUrl: string) {}

  async send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { "x-forwarded-for": this.ip, "user-agent": "glassbox-oauth-test" };
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    if (init.method === "POST")
      Object.assign(headers, {
        origin: new URL(this.serverUrl).origin,
        "content-type": "application/x-www-form-urlencoded",
      });
    const response = await fetch(new URL(path, this.serverUrl), { redirect: "manual", ...init, headers });
    this.jar.store(response.headers.getSetCookie());
    return response;
  }

  get = (path: string) => this.send(path);
  post = (path: string, fields: Record<string, string> = {}) =>
    this.send(path, { method: "POST", body: formBody(fields) });

  stateCookies(): string[] {
    return (this.jar.header() ?? "").split("; ").filter((pair) => pair.startsWith("glassbox_oauth:"));
  }

  /** "Continue with …" / "Connect …": the provider's authorize URL the app sent it to (state cookie now in the jar). */
  async startFlow(provider: string, authorizeUrl: string): Promise<URL> {
    if (!this.jar.get("glassbox_visitor")) await this.get("/login");
    const response = await this.post(`/auth/${provider}`);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(authorizeUrl);
    return location;
  }

  /** On the provider's approve page: approve (saying who the visitor is there, `fields`) or cancel; the callback path it redirects to. */
  async decide(authorize: URL, decision: "approve" | "deny", fields: Record<string, string> = {}): Promise<string> {
    const page = await fetch(authorize);
    expect(page.status, await page.clone().text()).toBe(200);
    const response = await fetch(new URL(authorize.pathname, authorize.origin), {
      method: "POST",
      body: formBody({ ...Object.fromEntries(authorize.searchParams), ...fields, decision }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get("location") ?? "");
    expect(back.origin).toBe(new URL(this.serverUrl).origin);
    return `${back.pathname}${back.search}`;
  }
}
