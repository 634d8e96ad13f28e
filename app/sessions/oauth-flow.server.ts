import { createHmac, timingSafeEqual } from "node:crypto";
import { parse, serialize } from "cookie";
import type { RouterContextProvider } from "react-router";
import {
  OAuth2RequestError,
  OAuth2Strategy,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
} from "remix-auth-oauth2";
import { requestContext } from "#app/context.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { AppError } from "#app/models/errors.ts";
import { oauthError, providerScopes, type OAuthIdentity, type OAuthProvider } from "#app/models/oauth.ts";
import { viewerOf } from "./viewer.server.ts";

/**
 * The OAuth web flow of GitHub and Google through remix-auth-oauth2: the strategy makes the state
 * and the PKCE verifier (S256), keeps them in a short-lived HttpOnly cookie and checks both on the
 * way back. On top, the state is bound to the anonymous visitor cookie, to who was signed in when
 * the flow began, and to the provider: state = nonce "." HMAC(key = visitor id, nonce ":" user id
 * or "guest" ":" provider). A callback in another browser, without the visitor cookie, after
 * signing in or out meanwhile, at another provider's callback, or with a forged or replayed state
 * fails with `oauth:state_invalid` (docs/decisions/0014).
 */
export const callbackPath = (provider: OAuthProvider) => `/auth/${provider}/callback`;
const STATE_COOKIE = "glassbox_oauth";
/** Where a guest goes after signing in (`?next=` of the sign-in page); checked again when read. */
const NEXT_COOKIE = "glassbox_oauth_next";
const STATE_LIFETIME_SECS = 600;

interface Binding {
  sign(nonce: string): string;
  verify(state: string): boolean;
}

function bindingOf(visitorId: string, userId: string | null, provider: OAuthProvider): Binding {
  const mac = (nonce: string) =>
    createHmac("sha256", visitorId)
      .update(`${nonce}:${userId ?? "guest"}:${provider}`)
      .digest("base64url");
  return {
    sign: (nonce) => `${nonce}.${mac(nonce)}`,
    verify(state) {
      const dot = state.lastIndexOf(".");
      if (dot <= 0) return false;
      const expected = Buffer.from(mac(state.slice(0, dot)));
      const given = Buffer.from(state.slice(dot + 1));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** remix-auth-oauth2's strategy, with the state it makes bound to this visitor, viewer and provider. */
class BoundOAuth2Strategy extends OAuth2Strategy<OAuthIdentity> {
  readonly #binding: Binding;
  readonly #provider: OAuthProvider;

  constructor(
    options: OAuth2Strategy.ConstructorOptions,
    verify: OAuth2Strategy<OAuthIdentity>["verify"],
    binding: Binding,
    provider: OAuthProvider,
  ) {
    super(options, verify);
    this.#binding = binding;
    this.#provider = provider;
  }

  protected override createAuthorizationURL() {
    const { state: nonce, codeVerifier, url } = super.createAuthorizationURL();
    const state = this.#binding.sign(nonce);
    url.searchParams.set("state", state);
    return { state, codeVerifier, url };
  }

  override authenticate(request: Request): Promise<OAuthIdentity> {
    const state = new URL(request.url).searchParams.get("state");
    if (state !== null && !this.#binding.verify(state)) throw oauthError("oauth:state_invalid", this.#provider);
    return super.authenticate(request);
  }
}

function cookieName(context: Readonly<RouterContextProvider>, name: string): string {
  return context.get(requestContext).sessions.secure ? `__Host-${name}` : name;
}

const stateCookieName = (context: Readonly<RouterContextProvider>) => cookieName(context, STATE_COOKIE);

async function strategyFor(
  context: Readonly<RouterContextProvider>,
  request: Request,
  provider: OAuthProvider,
): Promise<BoundOAuth2Strategy> {
  const { services, visitorId, sessions } = context.get(requestContext);
  const settings = services.oauth.settingsOf(provider);
  const { user } = await viewerOf(context);
  return new BoundOAuth2Strategy(
    {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authorizationEndpoint: settings.authorizeUrl,
      tokenEndpoint: settings.tokenUrl,
      // Absolute, and the same at both ends of the flow: the configured one, else this site's origin.
      redirectURI: settings.callbackUrl ?? new URL(callbackPath(provider), request.url).href,
      scopes: [...providerScopes[provider]],
      cookie: {
        name: stateCookieName(context),
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        maxAge: STATE_LIFETIME_SECS,
        ...(sessions.secure ? { secure: true } : {}),
      },
    },
    async ({ tokens }) => {
      // GitHub refuses a bad code or verifier with 200 {"error": "bad_verification_code"}.
      if (!("access_token" in tokens.data) || typeof tokens.data.access_token !== "string")
        throw oauthError("oauth:code_rejected", provider);
      return services.oauth.identity(provider, tokens.data.access_token);
    },
    bindingOf(visitorId, user?.id ?? null, provider),
    provider,
  );
}

/** Starts the flow: 303 to the provider's authorize page, with the state cookie (and where to go afterwards) set. */
export async function startOAuthFlow(
  context: Readonly<RouterContextProvider>,
  request: Request,
  provider: OAuthProvider,
  next: string,
): Promise<Response> {
  // A fresh URL: the strategy treats any `state` parameter as a callback.
  const start = new Request(new URL(new URL(request.url).pathname, request.url), { headers: request.headers });
  const strategy = await strategyFor(context, start, provider);
  try {
    await strategy.authenticate(start);
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    const headers = new Headers(thrown.headers);
    const secure = context.get(requestContext).sessions.secure;
    headers.append(
      "Set-Cookie",
      serialize(cookieName(context, NEXT_COOKIE), next, {
        path: "/",
        maxAge: STATE_LIFETIME_SECS,
        httpOnly: true,
        sameSite: "lax",
        secure,
      }),
    );
    return new Response(null, { status: 303, headers });
  }
  throw new Error(`remix-auth-oauth2 did not redirect to ${provider}`);
}

/**
 * Finishes the flow on the callback: checks the state (bound, and present in this browser's state
 * cookie), exchanges the code with the PKCE verifier, and returns who the provider says this is.
 * Every failure is a catalogue error.
 */
export async function finishOAuthFlow(
  context: Readonly<RouterContextProvider>,
  request: Request,
  provider: OAuthProvider,
): Promise<OAuthIdentity> {
  // Without a state the strategy would start a new flow instead of finishing one.
  if (!new URL(request.url).searchParams.get("state")) throw oauthError("oauth:state_invalid", provider);
  const strategy = await strategyFor(context, request, provider);
  try {
    return await strategy.authenticate(request);
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof OAuth2RequestError)
      throw oauthError(error.code === "access_denied" ? "oauth:denied" : "oauth:code_rejected", provider);
    // The strategy's own checks: no state cookie, a state it never issued, no code or verifier.
    if (error instanceof ReferenceError || error instanceof RangeError)
      throw oauthError("oauth:state_invalid", provider);
    if (!(error instanceof UnexpectedResponseError || error instanceof UnexpectedErrorResponseBodyError)) {
      context.get(requestContext).log.warn({ err: error, provider }, "OAuth token exchange failed");
    }
    throw oauthError("oauth:provider_unavailable", provider);
  }
}

/** Where the flow began asking to go afterwards: a path on this site, else `fallback`. */
export function nextAfterOAuth(context: Readonly<RouterContextProvider>, request: Request, fallback: string): string {
  return safeRedirectPath(parse(request.headers.get("cookie") ?? "")[cookieName(context, NEXT_COOKIE)], fallback);
}

/** Set-Cookie values that clear every state cookie this request carries (a state is used once), and `next`. */
export function clearOAuthState(context: Readonly<RouterContextProvider>, request: Request): string[] {
  const prefix = `${stateCookieName(context)}:`;
  const next = cookieName(context, NEXT_COOKIE);
  const secure = context.get(requestContext).sessions.secure;
  return Object.keys(parse(request.headers.get("cookie") ?? ""))
    .filter((name) => name.startsWith(prefix) || name === next)
    .map((name) => serialize(name, "", { path: "/", maxAge: 0, httpOnly: true, sameSite: "lax", secure }));
}
