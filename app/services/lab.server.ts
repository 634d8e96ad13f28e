import type { Kysely } from "kysely";
import type pg from "pg";
import { networkOf, type ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import {
  checkBoundary,
  runBurst,
  type AccountLookup,
  type AuthStatus,
  type BoundaryResult,
  type BoundaryRule,
  type BurstProgress,
  type CommandEvent,
  type SessionDetails,
} from "#app/models/lab.ts";
import { parseTabNotice, type InstanceId } from "#app/models/lab-relay.ts";
import { createLabCommandRepository } from "#app/models/lab-repository.server.ts";
import { frame, type ChangeFeed } from "#app/models/live-feed.ts";
import { createLimiter, type Limit } from "#app/models/rate-limit.ts";
import { defaultLifetimes, sessionHandle } from "#app/models/session-repository.server.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import type { Email, User } from "#app/models/user.ts";
import type { SessionView } from "./accounts.server.ts";
import type { RealtimeHub } from "./realtime.server.ts";

/**
 * The lab's use cases. The command demo's state is in Postgres (docs/decisions/0024): the counter
 * per visitor, the guarded queue and the cancelable work per tab, so any instance can take a
 * command. Its results are pushed to the tab that asked (`tab`), whose event stream must be open on
 * some instance (else 428). Without JavaScript there is no tab: the result is on the page after the redirect.
 */
export interface CommandTarget {
  readonly visitorId: string;
  /** The tab's stream key (`visitor:tab`), or undefined for a form posted without JavaScript. */
  readonly tabKey?: string;
}

const LOOKUPS_PER_NETWORK: Limit = { attempts: 10, windowSecs: 60 };
const GUARDED_WORK_MS = 1_000;
/** A guarded turn's slot outlasts its work by this much: its step and "done" go out before the next turn's "running". */
const GUARDED_SETTLE_MS = 200;
const CANCELABLE_WORK_MS = 3_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

export function createLabService({
  db,
  pool,
  realtime,
  instance,
  tabsFeed,
}: {
  db: Kysely<Database>;
  pool: pg.Pool;
  realtime: Pick<RealtimeHub, "hasTab" | "toTab">;
  instance: InstanceId;
  tabsFeed: ChangeFeed;
}) {
  const users = createUserRepository(db);
  const commands = createLabCommandRepository(db);
  const lookups = createLimiter(pool, "rate_limits", "lab-lookup", LOOKUPS_PER_NETWORK);
  /** The cancelable work running here, per tab: a newer one, on whichever instance, cancels it. */
  const running = new Map<string, { readonly generation: number; readonly controller: AbortController }>();
  let burstRunning = false;

  function cancelBefore(key: string, generation: number): void {
    const current = running.get(key);
    if (current && current.generation < generation) current.controller.abort();
  }
  const stopCancels = tabsFeed.listen({
    changed(payload) {
      const notice = parseTabNotice(payload);
      if (notice?.kind === "cancel") cancelBefore(notice.key, notice.generation);
    },
    // A missed cancel is caught when the work ends (`isCurrent`).
    resync: () => undefined,
  });

  /** Where the tab's stream is (undefined without JavaScript): here, or the instance holding it; 428 when none does. */
  async function locate(target: CommandTarget): Promise<{ tab: string; instance: InstanceId } | undefined> {
    if (target.tabKey === undefined) return undefined;
    if (realtime.hasTab(target.tabKey)) return { tab: target.tabKey, instance };
    const holder = await commands.instanceOf(target.tabKey);
    if (holder === undefined || holder === instance) throw new AppError("lab:no_stream");
    return { tab: target.tabKey, instance: holder };
  }
  async function tell(where: { tab: string; instance: InstanceId } | undefined, event: CommandEvent): Promise<void> {
    if (where === undefined) return;
    if (where.instance === instance) realtime.toTab(where.tab, frame("counter", JSON.stringify(event)));
    else await commands.tell(where.instance, where.tab, event);
  }
  /** Guarded and cancelable work is keyed per tab; a form without JavaScript has none, so per visitor. */
  const keyOf = (target: CommandTarget) => target.tabKey ?? target.visitorId;

  return {
    count: (visitorId: string): Promise<number> => commands.countOf(visitorId),

    /** `max(0, count + delta)`, applied atomically in the database, then pushed. */
    async step(target: CommandTarget, delta: number): Promise<number> {
      const where = await locate(target);
      const count = await commands.step(target.visitorId, delta);
      await tell(where, { type: "count", count });
      return count;
    },

    /** Adds one after a second of work, one such action per tab at a time on every instance: the next waits its turn. */
    async guarded(target: CommandTarget): Promise<number> {
      const where = await locate(target);
      const reserved = performance.now();
      const { startsInMs } = await commands.reserveGuard(keyOf(target), GUARDED_WORK_MS + GUARDED_SETTLE_MS);
      if (startsInMs > 0) {
        await tell(where, { type: "guarded", state: "queued", count: await commands.countOf(target.visitorId) });
        await sleep(reserved + startsInMs - performance.now());
      }
      await tell(where, { type: "guarded", state: "running", count: await commands.countOf(target.visitorId) });
      await sleep(reserved + startsInMs + GUARDED_WORK_MS - performance.now());
      const count = await commands.step(target.visitorId, 1);
      await tell(where, { type: "guarded", state: "done", count });
      return count;
    },

    /** Three seconds of work that the tab's next cancelable action cancels, whichever instance takes it. */
    async cancelable(target: CommandTarget): Promise<"done" | "cancelled"> {
      const where = await locate(target);
      const key = keyOf(target);
      const generation = await commands.startCancelable(key);
      cancelBefore(key, generation);
      const controller = new AbortController();
      running.set(key, { generation, controller });
      await tell(where, { type: "cancelable", state: "started" });
      await sleep(CANCELABLE_WORK_MS, controller.signal);
      if (running.get(key)?.controller === controller) running.delete(key);
      const outcome = !controller.signal.aborted && (await commands.isCurrent(key, generation)) ? "done" : "cancelled";
      await tell(where, { type: "cancelable", state: outcome });
      return outcome;
    },

    /** The session's public one-way handle (ids are bearer secrets), or null for a guest without one. */
    sessionLabel: (sessionId: string): string | null => (sessionId ? sessionHandle(sessionId) : null),

    authStatus: (user: User | null): AuthStatus =>
      user ? { signedIn: true as const, username: user.username, role: user.role } : { signedIn: false as const },

    /** The current session (from `accounts.listSessions`): when it began, was last used, and ends (sliding or absolute, whichever is first). */
    sessionDetails(current: SessionView | undefined): SessionDetails {
      if (!current) return { signedIn: false };
      const ends = Math.min(
        current.lastSeenAt.getTime() + defaultLifetimes.idleMs,
        current.createdAt.getTime() + defaultLifetimes.absoluteMs,
      );
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
      return user
        ? { found: true, username: user.username, role: user.role, memberSince: user.createdAt.toISOString() }
        : { found: false };
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

    /** Stops hearing other instances' cancels (at shutdown). */
    close: (): void => void stopCancels(),
  };
}

export type LabService = ReturnType<typeof createLabService>;
