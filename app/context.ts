import type { Logger } from "pino";
import { createContext, type RouterContextProvider } from "react-router";
import type { GuestPageCache } from "./http/guest-page-cache.server.ts";
import type { ResponseConnection } from "./http/live-stream.ts";
import type { ClientInfo, KnownDevice } from "./models/client-info.ts";
import type { Services } from "./services/index.server.ts";
import type { DeviceCookie } from "./sessions/device-cookie.server.ts";
import type { PendingSignInCookie } from "./sessions/pending-sign-in.server.ts";
import type { DurableSessionStorage } from "./sessions/session-storage.server.ts";
import type { Viewer } from "./sessions/load-viewer.server.ts";

/** What the server hands every loader, action and middleware (set in server/app.ts). */
export interface RequestContext {
  readonly requestId: string;
  /** The request's logger: every line carries its request id. */
  readonly log: Logger;
  readonly cspNonce: string;
  readonly client: ClientInfo;
  /** The anonymous visitor cookie's id: whose traces and lab counter these are (server/http/visitor.ts). */
  readonly visitorId: string;
  /** This instance's own address (http://127.0.0.1:port), for requests it sends itself (the no-JS burst). */
  readonly selfOrigin: string;
  readonly services: Services;
  readonly sessions: DurableSessionStorage;
  /** The two-factor step between password and session (app/sessions/pending-sign-in.server.ts). */
  readonly pendingSignIn: PendingSignInCookie;
  /** The device cookie: which accounts signed in on this browser before (app/sessions/device-cookie.server.ts). */
  readonly devices: DeviceCookie;
  /** This request's device cookie, read on first call only (only sign-in attempts need it). */
  readonly knownDevice: () => Promise<KnownDevice | undefined>;
  /**
   * Runs `work` once this request's answer has been handed to the socket: a live event about it
   * (a sign-in) must not reach the visitor's other tabs before the cookie this answer sets.
   */
  readonly afterResponse: (work: () => void) => void;
  /** The session and user of this request, read on first call only (so /health touches nothing). */
  readonly viewer: () => Promise<Viewer>;
  /** The connection under this response, for answers that stay open (event streams); set up on first call. */
  readonly connection: () => ResponseConnection;
  /** Pages every guest sees alike, kept for a moment (app/http/guest-page-cache.server.ts). */
  readonly guestPages: GuestPageCache;
}

export const requestContext = createContext<RequestContext>();

export function servicesOf(context: Readonly<RouterContextProvider>): Services {
  return context.get(requestContext).services;
}
