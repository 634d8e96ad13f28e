import type { Config } from "@react-router/dev/config";

export default {
  ssr: true,
  future: {
    // Route middleware and a RouterContextProvider load context (see server/app.ts).
    v8_middleware: true,
    // Loaders see the real request, so its abort signal stays linked to the client (STACK.md).
    v8_passThroughRequests: true,
  },
} satisfies Config;
