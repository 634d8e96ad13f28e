import type { Kysely } from "kysely";
import type pg from "pg";
import { networkOf, type ClientInfo } from "../models/client-info.ts";
import type { Database } from "../models/database.ts";
import { AppError } from "../models/errors.ts";
import { applyDelta, checkBoundary, runBurst, type AccountLookup, type AuthStatus, type BoundaryResult, type BoundaryRule, type BurstProgress, type CommandEvent, type SessionDetails } from "../models/lab.ts";
import { frame } from "../models/live-feed.ts";
import { createLimiter, type Limit } from "../models/rate-limit.ts";
import { defaultLifetimes, sessionHandle } from "../models/session-repository.ts";
import { createUserRepository } from "../models/user-repository.ts";
import type { Email, User } from "../models/user.ts";
import type { SessionView } from "./accounts.ts";
import type { RealtimeHub } from "./realtime.ts";

/**
 * The lab's use cases. The command demo's counter is server-authoritative and per visitor; its
 * results are pushed to the tab that asked (`tab`), which must have its event stream open on this
 * instance (else 428). Without JavaScript there is no tab: the result is on the page after the redirect.
 */
export interface CommandTarget {
  readonly visitorId: string;
  /** The tab's stream key (`visitor:tab`), or undefined for a form posted without JavaScript. */
  readonly tabKey?: string;
}

const MAX_VISITORS = 10_000;
const LOOKUPS_PER_NETWORK: Limit = { attempts: 10, windowSecs: 60 };
const GUARDED_WORK_MS = 1_000;
const CANCELABLE_WORK_MS = 3_000;

export function createLabService({ db, pool, realtime }: { db: Kysely<Database>; pool: pg.Pool; realtime: RealtimeHub }) {
  const users = createUserRepository(db);
  const lookups = createLimiter(pool, "rate_limits", "lab-lookup", LOOKUPS_PER_NETWORK);
  // Per visitor, least recently used first: the oldest is forgotten past MAX_VISITORS.
  const counts = new Map<string, number>();
  const locks = new Map<string, Promise<unknown>>();
  const running = new Map<string, AbortController>();
  let burstRunning = false;

  const countOf = (visitorId: string) => counts.get(visitorId) ?? 0;
  function setCount(visitorId: string, count: number) {
    counts.delete(visitorId);
    counts.set(visitorId, count);
    if (counts.size > MAX_VISITORS) counts.delete(counts.keys().next().value as string);
  }
  /** Pushes to the target tab; false when it has no stream here. */
  const tell = (target: CommandTarget, event: CommandEvent): boolean =>
    target.tabKey === undefined || realtime.toTab(target.tabKey, frame("counter", JSON.stringify(event)));
  const requireStream = (target: CommandTarget) => {
    if (target.tabKey !== undefined && !realtime.hasTab(target.tabKey)) throw new AppError("lab:no_stream");
  };

  return {
    count: (visitorId: string): number => countOf(visitorId),

    /** `max(0, count + delta)`, applied in one synchronous step (nothing can interleave), then pushed. */
    step(target: CommandTarget, delta: number): number {
      requireStream(target);
      const count = applyDelta(countOf(target.visitorId), delta);
      setCount(target.visitorId, count);
      tell(target, { type: "count", count });
      return count;
    },

    /** Adds one after a second of work, one such action per visitor at a time: the next waits its turn. */
    async guarded(target: CommandTarget): Promise<number> {
      requireStream(target);
      const previous = locks.get(target.visitorId) ?? Promise.resolve();
      if (locks.has(target.visitorId)) tell(target, { type: "guarded", state: "queued", count: countOf(target.visitorId) });
      // A failed turn must not block the next one.
      const turn = previous.catch(() => undefined).then(async () => {
        tell(target, { type: "guarded", state: "running", count: countOf(target.visitorId) });
        await new Promise((resolve) => setTimeout(resolve, GUARDED_WORK_MS));
        const count = applyDelta(countOf(target.visitorId), 1);
        setCount(target.visitorId, count);
        tell(target, { type: "guarded", state: "done", count });
        return count;
      });
      locks.set(target.visitorId, turn);
      try {
        return await turn;
      } finally {
        if (locks.get(target.visitorId) === turn) locks.delete(target.visitorId);
      }
    },

    /** Three seconds of work that the visitor's next cancelable action cancels. */
    async cancelable(target: CommandTarget): Promise<"done" | "cancelled"> {
      requireStream(target);
      running.get(target.visitorId)?.abort();
      const controller = new AbortController();
      running.set(target.visitorId, controller);
      tell(target, { type: "cancelable", state: "started" });
      const outcome = await new Promise<"done" | "cancelled">((resolve) => {
        const timer = setTimeout(() => resolve("done"), CANCELABLE_WORK_MS);
        controller.signal.addEventListener("abort", () => (clearTimeout(timer), resolve("cancelled")), { once: true });
      });
      if (running.get(target.visitorId) === controller) running.delete(target.visitorId);
      tell(target, { type: "cancelable", state: outcome });
      return outcome;
    },

    /** The session's public one-way handle (ids are bearer secrets), or null for a guest without one. */
    sessionLabel: (sessionId: string): string | null => (sessionId ? sessionHandle(sessionId) : null),

    authStatus: (user: User | null): AuthStatus => (user ? { signedIn: true as const, username: user.username, role: user.role } : { signedIn: false as const }),

    /** The current session (from `accounts.listSessions`): when it began, was last used, and ends (sliding or absolute, whichever is first). */
    sessionDetails(current: SessionView | undefined): SessionDetails {
      if (!current) return { signedIn: false };
      const ends = Math.min(current.lastSeenAt.getTime() + defaultLifetimes.idleMs, current.createdAt.getTime() + defaultLifetimes.absoluteMs);
      return {
        signedIn: true,
        handle: current.handle,
        createdAt: current.createdAt.toISOString(),
        lastSeenAt: current.lastSeenAt.toISOString(),
        expiresAt: new Date(ends).toISOString(),
        userAgent: current.userAgent,
        ip: current.ip,
      };
    },

    boundary: (rule: BoundaryRule, input: string): BoundaryResult => checkBoundary(rule, input),

    /**
     * The viewer's own account when the email is theirs, else "not found" (for a guest, always):
     * the same indexed query either way, so neither the answer nor its timing tells whether another
     * account has the address. At most LOOKUPS_PER_NETWORK a minute per client network.
     */
    async lookUpAccount(email: Email, viewer: User | null, client: ClientInfo): Promise<AccountLookup> {
      const verdict = await lookups.consume(networkOf(client.ip));
      if (!verdict.allowed) throw new AppError("lab:lookup_throttled", verdict.retryAfterSecs);
      const user = await users.findOwnByEmail(email, viewer?.id ?? null);
      return user ? { found: true, username: user.username, role: user.role, memberSince: user.createdAt.toISOString() } : { found: false };
    },

    /** The no-JavaScript burst: one at a time per process, since each sends up to 5,000 requests. */
    async burst(total: number, probe: () => Promise<boolean>): Promise<BurstProgress> {
      if (burstRunning) throw new AppError("lab:burst_busy");
      burstRunning = true;
      try {
        return await runBurst(total, probe, () => undefined);
      } finally {
        burstRunning = false;
      }
    },
  };
}

export type LabService = ReturnType<typeof createLabService>;
