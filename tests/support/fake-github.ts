import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

/**
 * A local stand-in for GitHub, a real HTTP server speaking its OAuth web flow and the two API calls
 * glassbox makes. It is as strict as GitHub where it matters to us, and stricter about PKCE:
 *
 * - `GET /login/oauth/authorize` checks client_id, an absolute redirect_uri, a state and an S256
 *   code_challenge, then shows an approve page whose fields say who the visitor is on "GitHub".
 * - `POST /login/oauth/authorize` (the page's buttons) redirects back with `code` and `state`, or
 *   with `error=access_denied`.
 * - `POST /login/oauth/access_token` (form or JSON; client credentials in Basic auth or the body)
 *   accepts a code once, only with the same redirect_uri and a code_verifier whose S256 is the
 *   challenge; refusals are answered GitHub's way (200 with `error`) and kept in `refusals`.
 * - `GET /user` and `GET /user/emails` with the bearer token.
 *
 * Tests start it with `startFakeGitHub`; Playwright runs this file (`tsx tests/support/fake-github.ts`)
 * with FAKE_GITHUB_PORT, FAKE_GITHUB_CLIENT_ID and FAKE_GITHUB_CLIENT_SECRET.
 */
export interface FakeGitHubUser {
  readonly id: number;
  readonly login: string;
  /** The primary email; null: none (the emails list then holds only the verified noreply address, not primary). */
  readonly email: string | null;
  readonly emailVerified: boolean;
}

export interface FakeGitHubOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly port?: number;
}

export interface FakeGitHub {
  readonly url: string;
  /** Every token exchange refused so far, with GitHub's error code and our reason. */
  readonly refusals: { error: string; reason: string }[];
  close(): Promise<void>;
}

interface Grant {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly user: FakeGitHubUser;
  readonly expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const S256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export async function startFakeGitHub({ clientId, clientSecret, port = 0 }: FakeGitHubOptions): Promise<FakeGitHub> {
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, FakeGitHubUser>();
  const refusals: { error: string; reason: string }[] = [];

  /** The authorization request's parameters, or why GitHub would refuse it. */
  function authorizationRequest(params: URLSearchParams): { ok: true; redirectUri: URL; state: string; challenge: string } | { ok: false; problem: string } {
    if (params.get("client_id") !== clientId) return { ok: false, problem: "unknown client_id" };
    let redirectUri: URL;
    try {
      redirectUri = new URL(params.get("redirect_uri") ?? "");
    } catch {
      return { ok: false, problem: "redirect_uri must be an absolute URL" };
    }
    if (!/^https?:$/.test(redirectUri.protocol)) return { ok: false, problem: "redirect_uri must be http(s)" };
    const state = params.get("state");
    if (!state) return { ok: false, problem: "state is required" };
    if (params.get("code_challenge_method") !== "S256") return { ok: false, problem: "code_challenge_method must be S256" };
    const challenge = params.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return { ok: false, problem: "code_challenge must be a base64url SHA-256" };
    return { ok: true, redirectUri, state, challenge };
  }

  function approvePage(params: URLSearchParams): string {
    const hidden = [...params].map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join("");
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize glassbox — fake GitHub</title></head>
<body><main><h1>Authorize glassbox</h1>
<form method="post" action="/login/oauth/authorize">${hidden}
<p><label for="id">GitHub user id</label> <input id="id" name="user_id" value="4242" inputmode="numeric"></p>
<p><label for="login">GitHub login</label> <input id="login" name="login" value="octocat"></p>
<p><label for="email">Primary email</label> <input id="email" name="email" value="octocat@github.test"></p>
<p><input id="verified" type="checkbox" name="email_verified" value="yes" checked> <label for="verified">Email verified</label></p>
<p><button type="submit" name="decision" value="approve">Authorize glassbox</button>
<button type="submit" name="decision" value="deny">Cancel</button></p>
</form></main></body></html>`;
  }

  function userFrom(form: URLSearchParams): FakeGitHubUser | undefined {
    const id = Number(form.get("user_id"));
    const login = form.get("login")?.trim();
    if (!Number.isSafeInteger(id) || id <= 0 || !login) return undefined;
    return { id, login, email: form.get("email")?.trim() || null, emailVerified: form.get("email_verified") === "yes" };
  }

  function exchange(body: Record<string, string | undefined>, authorization: string | undefined): Record<string, string> {
    const refuse = (error: string, reason: string) => {
      refusals.push({ error, reason });
      return { error, error_description: reason };
    };
    let [id, secret] = [body.client_id, body.client_secret];
    if (authorization?.startsWith("Basic ")) [id, secret] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":");
    if (id !== clientId || secret !== clientSecret) return refuse("incorrect_client_credentials", "client_id or client_secret is wrong");
    const grant = body.code ? grants.get(body.code) : undefined;
    if (body.code) grants.delete(body.code); // a code is good for one exchange, whatever its outcome
    if (!grant || grant.expiresAt < Date.now()) return refuse("bad_verification_code", "unknown, used or expired code");
    if (body.redirect_uri !== undefined && body.redirect_uri !== grant.redirectUri) return refuse("redirect_uri_mismatch", "redirect_uri differs from the authorization request");
    if (!body.code_verifier) return refuse("bad_verification_code", "code_verifier is missing (PKCE)");
    if (S256(body.code_verifier) !== grant.challenge) return refuse("bad_verification_code", "code_verifier does not match the code_challenge (PKCE)");
    const token = `gho_${randomBytes(18).toString("base64url")}`;
    tokens.set(token, grant.user);
    return { access_token: token, token_type: "bearer", scope: "read:user,user:email" };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, "text/plain", String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-github.invalid");
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /") return send(res, 200, "text/plain", "fake GitHub");

    if (route === "GET /login/oauth/authorize") {
      const request = authorizationRequest(url.searchParams);
      if (!request.ok) return send(res, 400, "text/plain", `The authorization request is invalid: ${request.problem}`);
      return send(res, 200, "text/html; charset=utf-8", approvePage(url.searchParams));
    }

    if (route === "POST /login/oauth/authorize") {
      const form = new URLSearchParams(await bodyOf(req));
      const request = authorizationRequest(form);
      if (!request.ok) return send(res, 400, "text/plain", `The authorization request is invalid: ${request.problem}`);
      const back = new URL(request.redirectUri);
      back.searchParams.set("state", request.state);
      if (form.get("decision") !== "approve") {
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The user has denied your application access.");
      } else {
        const user = userFrom(form);
        if (!user) return send(res, 400, "text/plain", "Give a numeric user id and a login.");
        const code = randomBytes(10).toString("hex");
        grants.set(code, { redirectUri: request.redirectUri.href, challenge: request.challenge, user, expiresAt: Date.now() + CODE_LIFETIME_MS });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { Location: back.href }).end();
      return;
    }

    if (route === "POST /login/oauth/access_token") {
      const raw = await bodyOf(req);
      const body = req.headers["content-type"]?.includes("application/json")
        ? (JSON.parse(raw || "{}") as Record<string, string | undefined>)
        : Object.fromEntries(new URLSearchParams(raw));
      return send(res, 200, "application/json", JSON.stringify(exchange(body, req.headers.authorization)));
    }

    if (route === "GET /user" || route === "GET /user/emails") {
      const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const user = token ? tokens.get(token) : undefined;
      if (!user) return send(res, 401, "application/json", JSON.stringify({ message: "Bad credentials" }));
      if (route === "GET /user") return send(res, 200, "application/json", JSON.stringify({ id: user.id, login: user.login, name: null, email: null }));
      const noreply = { email: `${user.id}+${user.login}@users.noreply.github.com`, primary: false, verified: true, visibility: null };
      const primary = user.email ? [{ email: user.email, primary: true, verified: user.emailVerified, visibility: "private" }] : [];
      return send(res, 200, "application/json", JSON.stringify([noreply, ...primary]));
    }

    send(res, 404, "application/json", JSON.stringify({ message: "Not Found" }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" }).end(body);
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// Run directly (Playwright's webServer): listen until SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeGitHub({
    port: Number(process.env.FAKE_GITHUB_PORT ?? 0),
    clientId: process.env.FAKE_GITHUB_CLIENT_ID ?? "fake-client",
    clientSecret: process.env.FAKE_GITHUB_CLIENT_SECRET ?? "fake-secret",
  });
  process.stdout.write(`fake GitHub listening on ${fake.url}\n`);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
