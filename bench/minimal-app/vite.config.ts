import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

// Nothing but React Router's plugin: the default entries (entry.server with isbot and streaming).
export default defineConfig({ plugins: [reactRouter()] });
