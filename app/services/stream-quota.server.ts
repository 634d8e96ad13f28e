import { AppError } from "#app/models/errors.ts";

/**
 * How many event streams (`/events` and the action-log stream together) one visitor and one client
 * address may hold open in this process. A browser holds one per tab; the caps only stop a client
 * that opens streams by the thousand (docs/decisions/0016). A visitor without cookies is a new
 * visitor on every request, so the address cap is what holds such a client.
 */
export interface StreamCaps {
  readonly perVisitor: number;
  readonly perAddress: number;
  /** What every stream of the process together may hold unsent (stream-budget.ts). */
  readonly bufferBytes: number;
}

export const defaultStreamCaps: StreamCaps = { perVisitor: 16, perAddress: 256, bufferBytes: 128 * 1024 * 1024 };

/** A refused client retries after this long: a stream frees its slot as soon as it closes. */
const RETRY_AFTER_SECS = 5;

export function createStreamQuota(caps: StreamCaps) {
  const byVisitor = new Map<string, number>();
  const byAddress = new Map<string, number>();
  const change = (counts: Map<string, number>, key: string, by: number) => {
    const next = (counts.get(key) ?? 0) + by;
    if (next > 0) counts.set(key, next);
    else counts.delete(key);
  };

  return {
    /**
     * Takes a slot for a new stream, or refuses with `stream:too_many` (429). The returned release
     * gives the slot back; it is safe to call more than once.
     */
    admit(visitorId: string, address: string): (() => void) | AppError {
      if ((byVisitor.get(visitorId) ?? 0) >= caps.perVisitor || (byAddress.get(address) ?? 0) >= caps.perAddress) {
        return new AppError("stream:too_many", RETRY_AFTER_SECS);
      }
      change(byVisitor, visitorId, 1);
      change(byAddress, address, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        change(byVisitor, visitorId, -1);
        change(byAddress, address, -1);
      };
    },

    /** How many visitors and addresses hold a slot (all zero once every stream has closed). */
    sizes: () => ({ quotaVisitors: byVisitor.size, quotaAddresses: byAddress.size }),
  };
}

export type StreamQuota = ReturnType<typeof createStreamQuota>;
