import { createRequestHandler } from "@react-router/express";
import type { RequestHandler } from "express";
import type { Kysely } from "kysely";
import { RouterContextProvider, type ServerBuild } from "react-router";
import { requestContext } from "../app/context.ts";
import type { Database } from "../app/models/database.ts";
import { createServices } from "../app/services/index.ts";
import type { Environment } from "./config.ts";

/**
 * The React Router side of the composition root. Vite builds this file together with the app
 * (vite.config.ts), so the context keys and services it creates are the same module instances the
 * routes import; server/main.ts hands it the runtime it built outside the bundle.
 */
export interface AppRuntime {
  readonly db: Kysely<Database>;
  readonly environment: Environment;
  readonly sessionSecrets: readonly string[];
}

export interface App {
  readonly handler: RequestHandler;
}

export function createApp(runtime: AppRuntime): App {
  const services = createServices({ db: runtime.db });
  // React Router's production mode replaces 5xx details with "Unexpected Server Error".
  const showErrorDetails = runtime.environment === "development";
  const handler = createRequestHandler({
    build: () => import("virtual:react-router/server-build") as Promise<ServerBuild>,
    mode: showErrorDetails ? "development" : "production",
    getLoadContext(req, res) {
      const context = new RouterContextProvider();
      context.set(requestContext, {
        requestId: res.locals.requestId,
        log: req.log,
        cspNonce: res.locals.cspNonce,
        services,
      });
      return context;
    },
  });
  return { handler };
}
