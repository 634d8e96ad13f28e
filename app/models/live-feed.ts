/**
 * What every live stream of this process (the tab's `/events`, the action-log stream) is made of,
 * shared by the hub that feeds them (services/live-feed.server.ts) and the HTTP edge that writes them
 * (http/live-stream.ts): one frame type, one set of limits, and the two ports between them.
 */
export interface Frame {
  readonly event: string;
  readonly data: string;
  /** Decimal ids that grow in commit order: a stream sends each id once, in order, and Last-Event-ID resumes after it. */
  readonly id?: string;
  /** The id as a number, for ordering (parsed once per frame, not once per stream). */
  readonly seq?: bigint;
  /** The frame's size on the wire, counted once (the hub sums it per stream to know what is unsent). */
  readonly bytes: number;
}

/**
 * A frame, with its size as remix-utils' `eventStream` writes it: `id: <id>\n`, `event: <event>\n`,
 * one `data: <line>\n` per line of `data`, then a blank line.
 */
export function frame(event: string, data: string, id?: string): Frame {
  let lines = 1;
  for (let at = data.indexOf("\n"); at !== -1; at = data.indexOf("\n", at + 1)) lines += 1;
  const idBytes = id ? Buffer.byteLength(id) + 5 : 0;
  const bytes = idBytes + Buffer.byteLength(event) + 8 + Buffer.byteLength(data) - (lines - 1) + 7 * lines + 1;
  return id ? { event, data, id, seq: BigInt(id), bytes } : { event, data, bytes };
}

export const LIVE_FEED = {
  /** A `ping` frame to every stream this often, so proxies and browsers see the stream is alive. */
  heartbeatMs: 15_000,
  /** At most this many missed entries are replayed to a reconnecting stream; beyond it, it is told to resync. */
  maxReplay: 500,
  /** A stream holding more than this in the process (written, not yet taken by its connection) is dropped. */
  maxUnsentBytes: 1024 * 1024,
  /** How long a stream ended by the server has to take its last frames before its connection is cut. */
  lastWordsMs: 5_000,
} as const;

/** The last frame of a stream the server ends: why (the client reconnects with Last-Event-ID). */
export const closedFrame = (reason: string): Frame => frame("closed", JSON.stringify({ reason }));

/** Where a stream's frames go: an open HTTP response (http/live-stream.ts). */
export interface StreamSink {
  /** Hands the frame to the response; false once the stream is gone. Never throws. */
  write(frame: Frame): boolean;
  /** Ends the stream after what it was given (its connection is cut if it does not take it in time). */
  end(): void;
  /** Cuts the connection at once: what it was given and did not take is let go. */
  cut(): void;
  /** Bytes given to `write` so far that the client's connection has taken. */
  taken(): number;
}

/** Where change notices come from (server/database/pg-listener.ts: LISTEN/NOTIFY). */
export interface ChangeFeed {
  /** `changed` for each notice; `resync` after notices may have been missed (a reconnect). */
  listen(handlers: { changed(payload: string): void; resync(): void }): () => void;
}
