import type { Logger } from "pino";
import { createContext, type RouterContextProvider } from "react-router";
import type { Services } from "./services/index.ts";

/** What the server hands every loader, action and middleware (set in server/app.ts). */
export interface RequestContext {
  readonly requestId: string;
  /** The request's logger: every line carries its request id. */
  readonly log: Logger;
  readonly cspNonce: string;
  readonly services: Services;
}

export const requestContext = createContext<RequestContext>();

export function servicesOf(context: Readonly<RouterContextProvider>): Services {
  return context.get(requestContext).services;
}
