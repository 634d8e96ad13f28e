import type { Logger } from "pino";
import {
  addToBatch,
  parseInstanceNotice,
  parseTabNotice,
  relayedTracesSchema,
  RELAY_TICK_MS,
  type InstanceId,
  type RelayedTrace,
} from "#app/models/lab-relay.ts";
import type { LabRelayRepository } from "#app/models/lab-repository.server.ts";
import { frame, type ChangeFeed, type Frame } from "#app/models/live-feed.ts";
import type { Tracer } from "./trace.server.ts";

/**
 * The lab across instances (docs/decisions/0024). Every instance knows where every lab tab's stream
 * is (`lab_streams`, kept current by `lab_tabs` notices, reloaded after a LISTEN reconnect). A
 * visitor's live trace events go, besides this instance's tabs, to each other instance holding a
 * tab of that visitor: gathered for a tick, stored as one batch and announced by one notice per
 * destination, however many requests the tick saw. The receiving instance adopts them into its own
 * tracer, whose sink hands them to the visitor's tabs only (decision 0008's rule, unchanged).
 */
export function createLabRelay({
  repository,
  instance,
  instanceFeed,
  tabsFeed,
  tracer,
  toTab,
  log,
}: {
  repository: LabRelayRepository;
  instance: InstanceId;
  /** Notices addressed to this instance (`lab_instance_<id>`). */
  instanceFeed: ChangeFeed;
  /** Notices every instance hears (`lab_tabs`). */
  tabsFeed: ChangeFeed;
  tracer: Tracer;
  toTab: (tab: string, next: Frame) => boolean;
  log: Logger;
}) {
  /** Streams open on other instances: tab → where, and per visitor the instances with how many of its tabs. */
  const remoteTabs = new Map<string, { instance: InstanceId; visitor: string }>();
  const remoteVisitors = new Map<string, Map<InstanceId, number>>();
  /** Streams open here, per tab (a reconnecting tab briefly has two). */
  const localTabs = new Map<string, number>();
  const pending = new Map<InstanceId, RelayedTrace[]>();
  let tick: NodeJS.Timeout | undefined;
  let writes: Promise<void> = Promise.resolve();
  const write = (work: () => Promise<void>) => {
    writes = writes
      .then(work)
      .catch((error: unknown) => log.warn({ err: error }, "the lab stream registry could not be updated"));
  };

  function forgetRemote(tab: string): void {
    const known = remoteTabs.get(tab);
    if (!known) return;
    remoteTabs.delete(tab);
    const instances = remoteVisitors.get(known.visitor);
    const left = (instances?.get(known.instance) ?? 1) - 1;
    if (left > 0) instances?.set(known.instance, left);
    else instances?.delete(known.instance);
    if (instances?.size === 0) remoteVisitors.delete(known.visitor);
  }
  function placeRemote(tab: string, where: { instance: InstanceId; visitor: string }): void {
    forgetRemote(tab);
    if (where.instance === instance) return;
    remoteTabs.set(tab, where);
    let instances = remoteVisitors.get(where.visitor);
    if (!instances) remoteVisitors.set(where.visitor, (instances = new Map()));
    instances.set(where.instance, (instances.get(where.instance) ?? 0) + 1);
  }
  async function reload(): Promise<void> {
    const rows = await repository.all();
    remoteTabs.clear();
    remoteVisitors.clear();
    for (const row of rows) placeRemote(row.tab, row);
  }

  function flush(): void {
    tick = undefined;
    for (const [destination, items] of pending) {
      repository
        .send(destination, items)
        .catch((error: unknown) => log.warn({ err: error, destination }, "lab traces could not be relayed"));
    }
    pending.clear();
  }

  const stopTracing = tracer.subscribe({
    own(visitorId, event, relayed) {
      const instances = relayed ? undefined : remoteVisitors.get(visitorId);
      if (!instances) return;
      for (const destination of instances.keys()) {
        let batch = pending.get(destination);
        if (!batch) pending.set(destination, (batch = []));
        addToBatch(batch, { visitorId, event });
      }
      tick ??= setTimeout(flush, RELAY_TICK_MS).unref();
    },
    line: () => undefined,
    system: () => undefined,
  });

  const stopTabs = tabsFeed.listen({
    changed(payload) {
      const notice = parseTabNotice(payload);
      if (notice?.kind === "opened") placeRemote(notice.tab, notice);
      else if (notice?.kind === "closed" && remoteTabs.get(notice.tab)?.instance === notice.instance)
        forgetRemote(notice.tab);
    },
    resync: () =>
      void reload().catch((error: unknown) =>
        log.warn({ err: error }, "the lab stream registry could not be reloaded"),
      ),
  });

  const stopInstance = instanceFeed.listen({
    changed(payload) {
      const notice = parseInstanceNotice(payload);
      if (notice?.kind === "counter") toTab(notice.tab, frame("counter", JSON.stringify(notice.event)));
      else if (notice?.kind === "traces") {
        repository.take(notice.batch).then(
          (items) => {
            const parsed = relayedTracesSchema.safeParse(items);
            if (parsed.success) for (const { visitorId, event } of parsed.data) tracer.adopt(visitorId, event);
          },
          (error: unknown) => log.warn({ err: error }, "relayed lab traces could not be read"),
        );
      }
    },
    // A batch announced while the connection was down stays in its table until the purge: traces are live, not replayed.
    resync: () => undefined,
  });

  void reload().catch((error: unknown) => log.warn({ err: error }, "the lab stream registry could not be loaded"));

  return {
    /** A lab tab's stream opened here: every instance learns where its visitor's traces go. */
    opened(tab: string, visitor: string): void {
      localTabs.set(tab, (localTabs.get(tab) ?? 0) + 1);
      write(() => repository.opened(instance, tab, visitor));
    },

    closed(tab: string): void {
      const left = (localTabs.get(tab) ?? 1) - 1;
      if (left > 0) return void localTabs.set(tab, left);
      localTabs.delete(tab);
      write(() => repository.closed(instance, tab));
    },

    /** Resolves once the registry holds every change asked of it so far (tests, shutdown). */
    settled: (): Promise<void> => writes,

    sizes: () => ({
      remoteLabTabs: remoteTabs.size,
      remoteLabVisitors: remoteVisitors.size,
      localLabTabs: localTabs.size,
      relayPending: pending.size,
    }),

    close(): void {
      stopTracing();
      stopTabs();
      stopInstance();
      clearTimeout(tick);
      tick = undefined;
      pending.clear();
      write(() => repository.forget(instance));
    },
  };
}

export type LabRelay = ReturnType<typeof createLabRelay>;
