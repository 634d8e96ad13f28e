import type { RequestHandler } from "express";
import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import { RouterContextProvider, type ServerBuild } from "react-router";
import * as serverBuild from "virtual:react-router/server-build";
import { requestContext } from "#app/context.ts";
import { createGuestPageCache } from "#app/http/guest-page-cache.server.ts";
import { isLiveStreamRoute, type ResponseConnection } from "#app/http/live-stream.ts";
import { SCRIPTS_COOKIE } from "#app/http/render-mode.ts";
import { serverTiming } from "#app/http/server-timing.ts";
import type { KnownDevice } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import type { InstanceId } from "#app/models/lab-relay.ts";
import type { ChangeFeed } from "#app/models/live-feed.ts";
import type { OAuthSettings } from "#app/models/oauth.ts";
import { createSessionRepository, defaultLifetimes } from "#app/models/session-repository.server.ts";
import { createServices, type MailSettings } from "#app/services/index.server.ts";
import type { SignupLimit } from "#app/models/signup-throttle.server.ts";
import type { StreamCaps } from "#app/services/stream-quota.server.ts";
import type { Tracer } from "#app/services/trace.server.ts";
import { createDeviceCookie, deviceCookieName } from "#app/sessions/device-cookie.server.ts";
import { createPendingSignInCookie } from "#app/sessions/pending-sign-in.server.ts";
import { createDurableSessionStorage } from "#app/sessions/session-storage.server.ts";
import { loadViewer, type Viewer } from "#app/sessions/load-viewer.server.ts";
import { clientAddress } from "./http/client-address.ts";
import type { Environment } from "./config.ts";
import { createRequestHandler } from "./http/react-router-handler.ts";
import { createResponseConnections } from "./streams/response-connection.ts";
import { visitorCookieName } from "./http/visitor.ts";

/**
 * The React Router side of the composition root. Vite builds this file together with the app
 * (vite.config.ts), so the context keys and services it creates are the same module instances the
 * routes import; server/main.ts hands it the runtime it built outside the bundle.
 */
export interface AppRuntime {
  readonly db: Kysely<Database>;
  /** Reads that tolerate replica lag (DATABASE_READ_URL); `db` itself when it is unset. */
  readonly readDb: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly environment: Environment;
  readonly sessionSecrets: readonly string[];
  readonly adminEmails: readonly string[];
  /** How long the two-factor step after a right password lasts. */
  readonly totpPendingSecs: number;
  /** GitHub and Google sign-in settings (GITHUB_*, GOOGLE_*); a provider left out is off. */
  readonly oauth: OAuthSettings;
  /** Where links in mail lead: PUBLIC_URL, else `selfOrigin`. */
  readonly publicOrigin: () => string;
  readonly changes: ChangeFeed;
  readonly actionLogChanges: ChangeFeed;
  readonly sessionChanges: ChangeFeed;
  /** This instance's id and the lab's notices (docs/decisions/0024). */
  readonly instance: InstanceId;
  readonly labInstanceChanges: ChangeFeed;
  readonly labTabChanges: ChangeFeed;
  /** The trace pipeline server/main.ts opened every request's scope with. */
  readonly tracer: Tracer;
  /** Where this instance listens (known once it does). */
  readonly selfOrigin: () => string;
  readonly logger: Logger;
  /** Where mail goes (server/jobs/mail-settings.ts). */
  readonly mail: MailSettings;
  /** Open event streams one visitor and one address may hold (STREAMS_PER_*). */
  readonly streamCaps: StreamCaps;
  /** Sign-ups one address may make per hour. */
  readonly signupLimit: SignupLimit;
}

export interface App {
  /** The pages, actions and resource routes (React Router), the event streams among them. */
  readonly handler: RequestHandler;
  /** Whether a path is a route whose answer stays open (an event stream): the stability limits leave it out. */
  longLived(path: string): boolean;
  /** Ends every open event stream (at shutdown). */
  close(): void;
  /** How many event streams are open in this process. */
  openStreams(): number;
  /** What the stream hubs, the stream caps and the streams' close listeners hold, index by index (all zero when no stream is open). */
  streamIndexes(): Record<string, number>;
}

/** The build's route table (ids, paths, modules), for tools that walk every route, such as the fuzz test. */
export const routes: ServerBuild["routes"] = (serverBuild as ServerBuild).routes;

/** The full paths of the routes whose `handle` says their answer stays open (app/http/live-stream.ts). */
function liveStreamPaths(table: ServerBuild["routes"]): Set<string> {
  const fullPath = (id: string | undefined): string => {
    const route = id === undefined ? undefined : table[id];
    return route ? `${fullPath(route.parentId)}/${route.path ?? ""}`.replace(/\/+/g, "/") : "";
  };
  return new Set(
    Object.values(table).flatMap((route) =>
      route && isLiveStreamRoute(route.module) ? [fullPath(route.id).replace(/\/$/, "")] : [],
    ),
  );
}

/** How long a guest page is answered from memory, and how much memory all of them may take (decision 0019). */
const GUEST_PAGE_TTL_MS = 1_000;
const GUEST_PAGE_MAX_BYTES = 8 * 1024 * 1024;

export function createApp(runtime: AppRuntime): App {
  const services = createServices(runtime);
  const production = runtime.environment === "production";
  const sessions = createDurableSessionStorage(createSessionRepository(runtime.db), {
    secrets: runtime.sessionSecrets,
    secure: production,
    absoluteLifetimeSecs: defaultLifetimes.absoluteMs / 1000,
  });
  const pendingSignIn = createPendingSignInCookie({
    secrets: runtime.sessionSecrets,
    secure: production,
    lifetimeSecs: runtime.totpPendingSecs,
  });
  const devices = createDeviceCookie({ secrets: runtime.sessionSecrets, secure: production });
  const { tracer } = runtime;
  // Made with the app, so a new build (or an edit in development, which reloads this module) starts empty.
  const guestPages = createGuestPageCache({
    ttlMs: GUEST_PAGE_TTL_MS,
    maxBytes: GUEST_PAGE_MAX_BYTES,
    // The device cookie is read by sign-in attempts only (decision 0017): it never changes a page.
    neutralCookies: [visitorCookieName(production), SCRIPTS_COOKIE, deviceCookieName(production)],
    buildId: (serverBuild as ServerBuild).assets.version,
    record: (outcome) =>
      outcome.kind === "hit"
        ? tracer.record(
            "page.cache",
            `served from cache: ${outcome.path} as rendered ${outcome.ageMs} ms ago (no loader ran)`,
            { ageMs: outcome.ageMs },
          )
        : tracer.record(
            "page.cache",
            `rendered for every guest: ${outcome.path} answered from memory for ${outcome.ttlMs} ms`,
            { ttlMs: outcome.ttlMs },
          ),
    serverTiming: () =>
      serverTiming({
        dbMs: 0,
        totalMs: performance.now() - (tracer.current()?.startedAt ?? performance.now()),
        cacheHit: true,
      }),
  });
  const viewerOf = async (cookie: string | null) => {
    const viewer = await loadViewer(sessions, services.accounts, cookie);
    runtime.tracer.identify(viewer.user?.id ?? null);
    return viewer;
  };
  const connections = createResponseConnections();
  // React Router's production mode replaces 5xx details with "Unexpected Server Error".
  const showErrorDetails = runtime.environment === "development";
  const handler = createRequestHandler({
    // The build object itself, not a function returning it: React Router then derives its route
    // table once, not on every request (in development Vite reloads this whole module instead).
    build: serverBuild as ServerBuild,
    mode: showErrorDetails ? "development" : "production",
    getLoadContext(req, res) {
      const context = new RouterContextProvider();
      let viewer: Promise<Viewer> | undefined;
      let connection: ResponseConnection | undefined;
      let knownDevice: Promise<KnownDevice | undefined> | undefined;
      context.set(requestContext, {
        requestId: res.locals.requestId,
        log: req.log,
        cspNonce: res.locals.cspNonce,
        client: { ip: clientAddress(req), userAgent: req.get("user-agent") },
        visitorId: res.locals.visitorId,
        selfOrigin: runtime.selfOrigin(),
        services,
        sessions,
        pendingSignIn,
        devices,
        knownDevice: () => (knownDevice ??= devices.read(req.get("cookie") ?? null)),
        afterResponse: (work) => void res.once("finish", work),
        viewer: () => (viewer ??= viewerOf(req.get("cookie") ?? null)),
        connection: () => (connection ??= connections.connectionOf(res)),
        guestPages,
      });
      return context;
    },
  });
  // ADMIN_EMAILS grant the role only to proven addresses: say at start which are unclaimed or unproven.
  services.accounts.reviewAdminList().then(
    (report) => {
      if (report.unclaimed.length || report.unverified.length)
        runtime.logger.warn(
          report,
          "ADMIN_EMAILS: some addresses are unclaimed or not proven yet (no admin role until proven)",
        );
    },
    (error: unknown) => runtime.logger.error({ err: error }, "ADMIN_EMAILS could not be reviewed"),
  );
  const longLived = liveStreamPaths(routes);
  return {
    handler,
    longLived: (path) => longLived.has(path),
    close: () => {
      services.sessionEvents.close();
      services.realtime.close();
      services.labRelay.close();
      services.lab.close();
      services.actionLogStream.close();
      services.streamBudget.close();
    },
    openStreams: () => services.realtime.subscriberCount() + services.actionLogStream.subscriberCount(),
    streamIndexes: () => {
      const actionLog = services.actionLogStream.indexSizes();
      return {
        ...services.realtime.indexSizes(),
        ...services.labRelay.sizes(),
        actionLogStreams: actionLog.streams,
        actionLogMembers: actionLog.topicMembers,
        actionLogClosing: actionLog.closing,
        ...services.streamQuota.sizes(),
        closeListeners: connections.listeners(),
      };
    },
  };
}
