import type { Server } from "node:http";
import type { Logger } from "./logger.ts";

export interface ShutdownOptions {
  readonly server: Server;
  readonly logger: Logger;
  /** Called as draining starts: end streams that never finish on their own (SSE). */
  readonly endStreams?: () => void;
  /** Called once no request is left in flight: close pools, stop the embedded database. */
  readonly release: () => Promise<void>;
  /** How long in-flight requests may take before their connections are cut. */
  readonly graceMs?: number;
  /** The process exits by then whatever happens (exit code 1 if it had to force it). */
  readonly deadlineMs?: number;
}

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish, release resources, exit 0.
 * A second signal, or the deadline passing, exits at once with code 1. A second signal within a second
 * of the first is the same one: Ctrl-C in a terminal reaches `npm run dev`'s server twice, from the
 * terminal and relayed by tsx.
 */
/** Signals this close together are one (see above). */
const SAME_SIGNAL_MS = 1_000;

export function installGracefulShutdown(options: ShutdownOptions): { draining: () => boolean } {
  const { server, logger, release, endStreams, graceMs = 7_000, deadlineMs = 10_000 } = options;
  let drainingSince: number | undefined;

  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (drainingSince !== undefined) {
      if (Date.now() - drainingSince < SAME_SIGNAL_MS) return;
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    drainingSince = Date.now();
    setTimeout(() => {
      logger.error("shutdown deadline passed: exiting");
      process.exit(1);
    }, deadlineMs).unref();
    logger.info({ signal }, "shutting down: finishing in-flight requests");

    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    endStreams?.();
    // close() only drops connections idle at that moment; keep dropping those that finish later.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => {
      logger.warn("grace period over: closing the remaining connections");
      server.closeAllConnections();
    }, graceMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(cut);

    try {
      await release();
    } catch (error) {
      logger.error({ err: error }, "releasing resources failed");
      process.exit(1);
    }
    logger.info("shutdown complete");
    process.exit(0);
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, (s) => void shutdown(s));
  return { draining: () => drainingSince !== undefined };
}
