import type { Logger } from "pino";
import type { MessageId } from "#app/models/chat.ts";
import type { ChatRepository } from "#app/models/chat-repository.server.ts";
import type { ChangeFeed, Frame, StreamSink } from "#app/models/live-feed.ts";
import { createChatFeed, type ChatEntry, type ChatViewer } from "./chat-feed.server.ts";
import { createLabTraceSink } from "./lab-trace-sink.server.ts";
import { createLiveFeed, type FeedBudget, type Subscription } from "./live-feed.server.ts";
import type { Tracer } from "./trace.server.ts";

/**
 * The tabs' streams (`/events`): one live-feed hub whose topics are the chat rooms, the chat as its
 * adapter, and the lab's trace sink for the tabs of the lab page. A tab's stream carries `chat`
 * frames and `session` ones (who is signed in changed, services/session-events.server.ts); a lab tab's
 * also `trace`, `timeline` and `counter` ones (the command demo).
 */
export interface TabViewer extends ChatViewer {
  /** The visitor cookie's id: whose trace events this stream may carry. */
  readonly visitorId: string;
  /** A lab tab: it also gets trace, timeline and counter events. */
  readonly lab: boolean;
  /** A lab tab's page showed the trace up to this event: what came after is replayed first. */
  readonly traceAfter?: number;
}

export type TabStream = Subscription<TabViewer>;

/** Told when a lab tab's stream opens and closes here (the lab relay: other instances route its traces here). */
export interface LabPresence {
  opened(tab: string, visitorId: string): void;
  closed(tab: string): void;
}

export function createRealtimeHub({
  chat,
  feed,
  tracer,
  log,
  presence,
  budget,
}: {
  chat: ChatRepository;
  feed: ChangeFeed;
  tracer: Tracer;
  log: Logger;
  presence?: LabPresence;
  budget?: FeedBudget;
}) {
  const chatFeed = createChatFeed({ chat, tracer, log });
  const labTabs = createLabTraceSink<TabStream>(tracer, (tab, next) => hub.send(tab, next));
  const left = (tab: TabStream) => {
    labTabs.leave(tab);
    if (tab.viewer.lab && tab.key !== undefined) presence?.closed(tab.key);
  };
  const hub = createLiveFeed<TabViewer, ChatEntry>({ adapter: chatFeed.adapter, log, budget, left });
  const stopListening = chatFeed.connect(hub, feed);

  return {
    /**
     * Opens a tab's stream: one per (visitor, tab) key, a newer one replacing the older. Messages
     * missed after `after` (Last-Event-ID) are replayed first, in order and without duplicates.
     * Returns what forgets the stream (its connection ended; safe to call twice).
     */
    subscribe(key: string, viewer: TabViewer, sink: StreamSink, after?: MessageId): () => void {
      const tab = hub.subscribe({ key, topic: viewer.roomId, viewer }, sink, after);
      if (viewer.lab) {
        labTabs.join(tab);
        presence?.opened(key, viewer.visitorId);
      }
      return () => hub.unsubscribe(tab);
    },

    /** How many streams are open (tests and the lab read it). */
    subscriberCount: hub.size,

    /** The size of every index the hub keeps streams in: all zero once every stream has ended (the churn test). */
    indexSizes() {
      const { streams, keys, topicMembers, closing } = hub.indexSizes();
      return { streams, tabKeys: keys, roomMembers: topicMembers, closingStreams: closing, ...labTabs.sizes() };
    },

    /** Whether a tab has its stream open on this instance. */
    hasTab: (key: string): boolean => hub.byKey(key) !== undefined,

    /** Sends to one tab's stream; false when that tab has no stream open here (the command demo's 428). */
    toTab(key: string, next: Frame): boolean {
      const tab = hub.byKey(key);
      if (tab) hub.send(tab, next);
      return tab !== undefined;
    },

    // --- Sends to every stream of one visitor or one account on this instance (the `session` event, issue 13). ---

    /** Sends to every stream of one visitor cookie (all its tabs); returns how many got it. */
    toVisitor: (visitorId: string, next: Frame): number =>
      hub.sendWhere((viewer) => viewer.visitorId === visitorId, next),

    /** Sends to every stream opened signed in as this account (every device); returns how many got it. */
    toUser: (userId: string, next: Frame): number => hub.sendWhere((viewer) => viewer.viewerId === userId, next),

    /** Ends every stream (at shutdown: clients reconnect elsewhere with Last-Event-ID). */
    close(): void {
      stopListening();
      labTabs.close();
      hub.close();
    },
  };
}

export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
