import type { RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.ts";
import type { Viewer } from "./load-viewer.server.ts";

/** The request's viewer (loaded once per request, on first use, by `loadViewer`). */
export function viewerOf(context: Readonly<RouterContextProvider>): Promise<Viewer> {
  return context.get(requestContext).viewer();
}
