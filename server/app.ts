import { createRequestHandler } from "@react-router/express";
import type { RequestHandler } from "express";
import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import { RouterContextProvider, type ServerBuild } from "react-router";
import * as serverBuild from "virtual:react-router/server-build";
import { requestContext } from "../app/context.ts";
import type { Database } from "../app/models/database.ts";
import { createSessionRepository, defaultLifetimes } from "../app/models/session-repository.ts";
import { createServices } from "../app/services/index.ts";
import type { ChangeFeed } from "../app/services/realtime.ts";
import { createDurableSessionStorage } from "../app/sessions/session-storage.ts";
import { loadViewer, type Viewer } from "../app/sessions/viewer.ts";
import { clientAddress } from "./client-address.ts";
import type { Environment } from "./config.ts";

/**
 * The React Router side of the composition root. Vite builds this file together with the app
 * (vite.config.ts), so the context keys and services it creates are the same module instances the
 * routes import; server/main.ts hands it the runtime it built outside the bundle.
 */
export interface AppRuntime {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly environment: Environment;
  readonly sessionSecrets: readonly string[];
  readonly adminEmails: readonly string[];
  readonly changes: ChangeFeed;
  readonly logger: Logger;
}

export interface App {
  readonly handler: RequestHandler;
  /** Ends every open event stream (at shutdown). */
  close(): void;
  /** How many event streams are open in this process. */
  openStreams(): number;
}

export function createApp(runtime: AppRuntime): App {
  const services = createServices({ db: runtime.db, pool: runtime.pool, adminEmails: runtime.adminEmails, changes: runtime.changes, log: runtime.logger });
  const production = runtime.environment === "production";
  const sessions = createDurableSessionStorage(createSessionRepository(runtime.db), {
    secrets: runtime.sessionSecrets,
    secure: production,
    absoluteLifetimeSecs: defaultLifetimes.absoluteMs / 1000,
  });
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
      // Aborts when the client goes away; unlike the Request's signal it survives garbage collection (STACK.md).
      const disconnect = new AbortController();
      res.once("close", () => disconnect.abort());
      context.set(requestContext, {
        requestId: res.locals.requestId,
        log: req.log,
        cspNonce: res.locals.cspNonce,
        client: { ip: clientAddress(req), userAgent: req.get("user-agent") },
        services,
        sessions,
        viewer: () => (viewer ??= loadViewer(sessions, services.accounts, req.get("cookie") ?? null)),
        disconnected: disconnect.signal,
      });
      return context;
    },
  });
  return { handler, close: () => services.realtime.close(), openStreams: () => services.realtime.subscriberCount() };
}
