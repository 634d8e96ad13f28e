import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The common part of the local OAuth providers the tests sign in with (fake-github.ts,
 * fake-google.ts): a real HTTP server speaking the authorization-code flow with PKCE, as strict as
 * the real ones where it matters to us and stricter about PKCE:
 *
 * - `GET <authorize>` checks client_id, an absolute redirect_uri, a state and an S256
 *   code_challenge (and whatever the provider adds), then shows an approve page whose fields say
 *   who the visitor is at the provider.
 * - `POST <authorize>` (the page's buttons) redirects back with `code` and `state`, or with
 *   `error=access_denied`.
 * - `POST <token>` (form or JSON; client credentials in Basic auth or the body) accepts a code once,
 *   only with the same redirect_uri and a code_verifier whose S256 is the challenge; refusals are
 *   answered the provider's way and kept in `refusals`.
 * - the provider's API answers for the bearer token.
 */
export interface ApproveField {
  readonly name: string;
  readonly label: string;
  readonly value: string;
  /** A checkbox (checked), sending `yes`. */
  readonly checkbox?: boolean;
  readonly numeric?: boolean;
}

export type TokenOutcome =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly error: string; readonly reason: string };

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** What differs between providers. */
export interface ProviderProtocol<User> {
  /** "GitHub", "Google": in the page title. */
  readonly name: string;
  readonly authorizePath: string;
  readonly tokenPath: string;
  /** How its access tokens begin (GitHub's: `gho_`). */
  readonly tokenPrefix: string;
  /** A further reason to refuse the authorization request (Google: response_type, the openid scope). */
  checkAuthorization?(params: URLSearchParams): string | undefined;
  /** The approve page's fields, with their defaults. */
  readonly fields: readonly ApproveField[];
  /** Who the approve page's form says the visitor is; undefined when it does not say enough. */
  userFrom(form: URLSearchParams): User | undefined;
  /** The token endpoint's answer, the provider's way (GitHub: 200 with `error`; Google: 400). */
  tokenAnswer(outcome: TokenOutcome, scope: string): Answer;
  /** The API, by route (`GET /user`): the body for the bearer token's user (401 without a valid token). */
  readonly api: Readonly<Record<string, (user: User) => unknown>>;
}

export interface FakeProviderOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly port?: number;
}

export interface FakeProvider {
  readonly url: string;
  /** Every token exchange refused so far, with the provider's error code and our reason. */
  readonly refusals: { error: string; reason: string }[];
  close(): Promise<void>;
}

interface Grant<User> {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly scope: string;
  readonly user: User;
  readonly expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const S256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export async function startFakeProvider<User>(
  protocol: ProviderProtocol<User>,
  { clientId, clientSecret, port = 0 }: FakeProviderOptions,
): Promise<FakeProvider> {
  const grants = new Map<string, Grant<User>>();
  const tokens = new Map<string, User>();
  const refusals: { error: string; reason: string }[] = [];

  /** The authorization request's parameters, or why the provider would refuse it. */
  function authorizationRequest(
    params: URLSearchParams,
  ): { ok: true; redirectUri: URL; state: string; challenge: string } | { ok: false; problem: string } {
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
    if (params.get("code_challenge_method") !== "S256")
      return { ok: false, problem: "code_challenge_method must be S256" };
    const challenge = params.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return { ok: false, problem: "code_challenge must be a base64url SHA-256" };
    const problem = protocol.checkAuthorization?.(params);
    if (problem) return { ok: false, problem };
    return { ok: true, redirectUri, state, challenge };
  }

  function approvePage(params: URLSearchParams): string {
    const hidden = [...params]
      .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
      .join("");
    const fields = protocol.fields
      .map((field, index) =>
        field.checkbox
          ? `<p><input id="f${index}" type="checkbox" name="${field.name}" value="yes" checked> <label for="f${index}">${escape(field.label)}</label></p>`
          : `<p><label for="f${index}">${escape(field.label)}</label> <input id="f${index}" name="${field.name}" value="${escape(field.value)}"${field.numeric ? ' inputmode="numeric"' : ""}></p>`,
      )
      .join("\n");
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize glassbox — fake ${escape(protocol.name)}</title></head>
<body><main><h1>Authorize glassbox</h1>
<form method="post" action="${protocol.authorizePath}">${hidden}
${fields}
<p><button type="submit" name="decision" value="approve">Authorize glassbox</button>
<button type="submit" name="decision" value="deny">Cancel</button></p>
</form></main></body></html>`;
  }

  function exchange(
    body: Record<string, string | undefined>,
    authorization: string | undefined,
  ): TokenOutcome & { scope?: string } {
    const refuse = (error: string, reason: string): TokenOutcome => {
      refusals.push({ error, reason });
      return { ok: false, error, reason };
    };
    let [id, secret] = [body.client_id, body.client_secret];
    if (authorization?.startsWith("Basic "))
      [id, secret] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":").map(decodeURIComponent);
    if (id !== clientId || secret !== clientSecret)
      return refuse("invalid_client", "client_id or client_secret is wrong");
    const grant = body.code ? grants.get(body.code) : undefined;
    if (body.code) grants.delete(body.code); // a code is good for one exchange, whatever its outcome
    if (!grant || grant.expiresAt < Date.now()) return refuse("invalid_grant", "unknown, used or expired code");
    if (body.redirect_uri !== undefined && body.redirect_uri !== grant.redirectUri)
      return refuse("redirect_uri_mismatch", "redirect_uri differs from the authorization request");
    if (!body.code_verifier) return refuse("invalid_grant", "code_verifier is missing (PKCE)");
    if (S256(body.code_verifier) !== grant.challenge)
      return refuse("invalid_grant", "code_verifier does not match the code_challenge (PKCE)");
    const token = `${protocol.tokenPrefix}${randomBytes(18).toString("base64url")}`;
    tokens.set(token, grant.user);
    return { ok: true, token, scope: grant.scope };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, "text/plain", String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-provider.invalid");
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /") return send(res, 200, "text/plain", `fake ${protocol.name}`);

    if (route === `GET ${protocol.authorizePath}`) {
      const request = authorizationRequest(url.searchParams);
      if (!request.ok) return send(res, 400, "text/plain", `The authorization request is invalid: ${request.problem}`);
      return send(res, 200, "text/html; charset=utf-8", approvePage(url.searchParams));
    }

    if (route === `POST ${protocol.authorizePath}`) {
      const form = new URLSearchParams(await bodyOf(req));
      const request = authorizationRequest(form);
      if (!request.ok) return send(res, 400, "text/plain", `The authorization request is invalid: ${request.problem}`);
      const back = new URL(request.redirectUri);
      back.searchParams.set("state", request.state);
      if (form.get("decision") !== "approve") {
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The user has denied your application access.");
      } else {
        const user = protocol.userFrom(form);
        if (!user) return send(res, 400, "text/plain", "Say who you are: every field is needed.");
        const code = randomBytes(10).toString("hex");
        grants.set(code, {
          redirectUri: request.redirectUri.href,
          challenge: request.challenge,
          scope: form.get("scope") ?? "",
          user,
          expiresAt: Date.now() + CODE_LIFETIME_MS,
        });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { Location: back.href }).end();
      return;
    }

    if (route === `POST ${protocol.tokenPath}`) {
      const raw = await bodyOf(req);
      const body = req.headers["content-type"]?.includes("application/json")
        ? (JSON.parse(raw || "{}") as Record<string, string | undefined>)
        : Object.fromEntries(new URLSearchParams(raw));
      const outcome = exchange(body, req.headers.authorization);
      const answer = protocol.tokenAnswer(outcome, outcome.scope ?? "");
      return send(res, answer.status, "application/json", JSON.stringify(answer.body));
    }

    const endpoint = Object.hasOwn(protocol.api, route) ? protocol.api[route] : undefined;
    if (endpoint) {
      const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const user = token ? tokens.get(token) : undefined;
      if (!user) return send(res, 401, "application/json", JSON.stringify({ message: "Bad credentials" }));
      return send(res, 200, "application/json", JSON.stringify(endpoint(user)));
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

/** Runs a fake as its own process (Playwright's webServer) until SIGTERM, configured by `<PREFIX>_PORT`, `_CLIENT_ID`, `_CLIENT_SECRET`. */
export async function serveFromEnvironment(
  prefix: string,
  start: (options: FakeProviderOptions) => Promise<FakeProvider>,
): Promise<void> {
  const fake = await start({
    port: Number(process.env[`${prefix}_PORT`] ?? 0),
    clientId: process.env[`${prefix}_CLIENT_ID`] ?? "fake-client",
    clientSecret: process.env[`${prefix}_CLIENT_SECRET`] ?? "fake-secret",
  });
  process.stdout.write(`${prefix} listening on ${fake.url}\n`);
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => void fake.close().then(() => process.exit(0)));
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
