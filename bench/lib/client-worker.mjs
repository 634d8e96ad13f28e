// One client process of the benchmark: holds its share of the SSE connections (one socket each,
// no keep-alive pooling), stamps every chat frame's arrival, and reports over IPC.
//
// Commands (from the parent, over IPC):
//   {cmd:"connect", id, origin, paths:[...], concurrency, cookie?}  → {type:"connected", id, ok, failed, errors, ms}
//   {cmd:"collect", id}                                            → {type:"collected", id, ...receipts per message}
//   {cmd:"status", id}                                             → {type:"status", id, open, counts}
//   {cmd:"disconnect", id}                                         → {type:"disconnected", id}
// The parent polls "status" to learn when every open connection has a message.
import http from "node:http";

const now = () => performance.timeOrigin + performance.now();
const MARKER = /msg (\d+) ::/;

/** @type {{ index: number, req: http.ClientRequest, buf: string, open: boolean }[]} */
let conns = [];
let open = 0;
/** seq → Float64Array of receipt times (epoch ms, sub-ms), one slot per connection; NaN = not received */
let receipts = new Map();
let counts = new Map();
let stats = freshStats();

function freshStats() {
  return {
    chatFrames: 0,
    duplicates: 0,
    pings: 0,
    closedEvents: 0,
    closedReasons: {},
    otherFrames: 0,
    chatDataEvents: 0,
    chatFrameBytes: 0,
    droppedAfterConnect: 0,
    errorsAfterConnect: 0,
  };
}

function onFrame(conn, frame, t) {
  if (frame.includes("event: chat")) {
    const match = MARKER.exec(frame);
    if (!match) {
      stats.otherFrames++;
      return;
    }
    stats.chatFrames++;
    stats.chatFrameBytes += Buffer.byteLength(frame) + 2;
    const seq = Number(match[1]);
    let slots = receipts.get(seq);
    if (!slots) {
      slots = new Float64Array(conns.length).fill(Number.NaN);
      receipts.set(seq, slots);
      counts.set(seq, 0);
    }
    if (!Number.isNaN(slots[conn.index])) {
      stats.duplicates++;
      return;
    }
    slots[conn.index] = t;
    const count = counts.get(seq) + 1;
    counts.set(seq, count);
    return true;
  } else if (frame.includes("event: ping")) {
    stats.pings++;
  } else if (frame.includes("event: closed")) {
    stats.closedEvents++;
    const reason = /"reason":"([^"]*)"/.exec(frame)?.[1] ?? "?";
    stats.closedReasons[reason] = (stats.closedReasons[reason] ?? 0) + 1;
  } else if (frame.trim() !== "" && !frame.startsWith(":")) {
    stats.otherFrames++;
  }
}

function openOne(origin, path, index, cookie) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, origin);
    const headers = { Accept: "text/event-stream", "Cache-Control": "no-cache" };
    if (cookie) headers.Cookie = cookie;
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: "GET",
      headers,
      agent: false,
    });
    const conn = { index, req, buf: "", open: false, reads: 0 };
    const timer = setTimeout(() => req.destroy(new Error("connect timeout (30 s)")), 30_000);
    req.on("response", (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      res.setEncoding("utf8");
      conn.open = true;
      open++;
      res.on("data", (chunk) => {
        const t = now();
        conn.buf += chunk;
        // How many socket reads each chat frame took (1 = the frame arrived in one piece).
        conn.reads++;
        let end;
        let completed = false;
        while ((end = conn.buf.indexOf("\n\n")) !== -1) {
          const frame = conn.buf.slice(0, end);
          conn.buf = conn.buf.slice(end + 2);
          if (onFrame(conn, frame, t)) stats.chatDataEvents += conn.reads;
          conn.reads = 0;
          completed = true;
        }
        if (completed && conn.buf.length > 0) conn.reads = 1;
      });
      const gone = () => {
        if (!conn.open) return;
        conn.open = false;
        open--;
        if (!closing) stats.droppedAfterConnect++;
      };
      res.on("end", gone);
      res.on("close", gone);
      res.on("error", () => stats.errorsAfterConnect++);
      resolve(conn);
    });
    req.on("error", (error) => {
      clearTimeout(timer);
      if (conn.open) {
        stats.errorsAfterConnect++;
        return;
      }
      reject(error);
    });
    req.end();
  });
}

let closing = false;

async function connect({ origin, paths, concurrency, cookie }) {
  closing = false;
  conns = new Array(paths.length);
  open = 0;
  receipts = new Map();
  counts = new Map();
  stats = freshStats();
  const started = now();
  let next = 0;
  let failed = 0;
  const errors = {};
  async function lane() {
    while (next < paths.length) {
      const index = next++;
      try {
        conns[index] = await openOne(origin, paths[index], index, cookie);
      } catch (error) {
        failed++;
        conns[index] = { index, req: null, buf: "", open: false };
        const key = String(error?.code ?? error?.message ?? error);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, lane));
  return { ok: open, failed, errors, ms: now() - started };
}

function collect() {
  const messages = {};
  for (const [seq, slots] of receipts) {
    const times = [];
    for (let i = 0; i < slots.length; i++) if (!Number.isNaN(slots[i])) times.push(slots[i]);
    messages[seq] = times;
  }
  return { open, connections: conns.length, messages, stats };
}

async function disconnect() {
  closing = true;
  for (const conn of conns) conn?.req?.destroy();
  conns = [];
  open = 0;
}

process.on("message", async (message) => {
  try {
    if (message.cmd === "connect") process.send({ type: "connected", id: message.id, ...(await connect(message)) });
    else if (message.cmd === "collect") process.send({ type: "collected", id: message.id, ...collect() });
    else if (message.cmd === "status")
      process.send({ type: "status", id: message.id, open, counts: Object.fromEntries(counts) });
    else if (message.cmd === "disconnect") {
      await disconnect();
      process.send({ type: "disconnected", id: message.id });
    } else if (message.cmd === "exit") process.exit(0);
  } catch (error) {
    process.send({ type: "error", id: message.id, error: String(error?.stack ?? error) });
  }
});
process.on("disconnect", () => process.exit(0));
