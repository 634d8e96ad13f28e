import type { Kysely } from "kysely";
import type { Database } from "#app/models/database.server.ts";
import {
  announceSessionChange,
  parseSessionEvent,
  type SessionAudience,
  type SessionChange,
} from "#app/models/session-events.ts";
import { frame, type ChangeFeed } from "#app/models/live-feed.ts";
import type { RealtimeHub } from "./realtime.server.ts";

/**
 * The `session` live event (DESIGN.md, the SSE stream): notices from every instance
 * (`session_events`) become a `session` frame on this instance's streams of that visitor or
 * account. The tab answers by loading its data again (the header, the lab's session panel).
 */
export function createSessionEvents({
  db,
  feed,
  realtime,
}: {
  db: Kysely<Database>;
  feed: ChangeFeed;
  realtime: Pick<RealtimeHub, "toVisitor" | "toUser">;
}) {
  const stop = feed.listen({
    changed(payload) {
      const event = parseSessionEvent(payload);
      if (!event) return;
      const session = frame("session", JSON.stringify({ change: event.change }));
      if ("visitorId" in event.audience) realtime.toVisitor(event.audience.visitorId, session);
      else realtime.toUser(event.audience.userId, session);
    },
    // A missed notice only means a tab shows the old state until its next navigation.
    resync: () => undefined,
  });
  return {
    announce: (audience: SessionAudience, change: SessionChange): Promise<void> =>
      announceSessionChange(db, audience, change),
    close: stop,
  };
}

export type SessionEvents = ReturnType<typeof createSessionEvents>;
