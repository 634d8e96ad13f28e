import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

export default defineConfig(({ isSsrBuild }) => ({
  // The server bundle's entry is our adapter (server/app.ts), which wraps the React Router build.
  build: isSsrBuild ? { rollupOptions: { input: "./server/app.ts" } } : undefined,
  plugins: [reactRouter()],
  // Pre-bundled up front, so the first page with a live stream does not make Vite re-optimise (STACK.md).
  optimizeDeps: { include: ["remix-utils/sse/react"] },
}));
