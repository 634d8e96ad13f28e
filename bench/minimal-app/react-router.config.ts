import type { Config } from "@react-router/dev/config";
import glassbox from "../../react-router.config.ts";

/**
 * The baseline of the page-throughput benchmark (bench/README.md): a minimal React Router app with
 * glassbox's future flags, so both run the same request pipeline of the framework. Built with
 * `npm run bench:pages:build` into bench/minimal-app/build/ (git-ignored).
 */
export default {
  ssr: true,
  future: glassbox.future,
} satisfies Config;
