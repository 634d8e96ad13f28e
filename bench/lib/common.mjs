// Helpers every benchmark here shares: options, timing, statistics, formatting, HTTP to 127.0.0.1,
// and writing results. Plain Node ESM, no dependencies.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root and bench/results/. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const RESULTS = join(ROOT, "bench/results");
/** The only address any benchmark binds to or contacts. */
export const HOST = "127.0.0.1";

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const log = (...parts) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
export const round = (value, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value) ? null : Number(value.toFixed(digits));

/**
 * `--some-name=value` arguments into a copy of `defaults` (keys in camelCase); a number default
 * makes the value a number. An unknown option prints the known ones and exits 2.
 */
export function parseOptions(defaults, argv = process.argv.slice(2)) {
  const options = { ...defaults };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    const key = match?.[1].replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
    if (!match || !(key in defaults)) {
      const known = Object.keys(defaults).map(
        (name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}=${defaults[name]}`,
      );
      console.error(`unknown option ${arg}; known: ${known.join(" ")}`);
      process.exit(2);
    }
    options[key] = typeof defaults[key] === "number" ? Number(match[2]) : match[2];
  }
  return options;
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
    min: round(sorted.length ? sorted[0] : null),
  };
}

/** The middle of the numbers among `values` (the upper one of an even count), or null when there are none: the figure of several rounds. */
export function median(values) {
  const sorted = values.filter((value) => typeof value === "number").sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
}

export function ratio(a, b, digits = 1) {
  return a && b ? round(a / b, digits) : null;
}

/** A table cell: "–" for nothing, thousands separators for numbers. */
export function fmt(value, unit = "") {
  return value === null || value === undefined
    ? "–"
    : `${typeof value === "number" ? value.toLocaleString("en-US") : value}${unit}`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to 127.0.0.1; `sentAt` is the moment the request (headers and body) was handed to the socket. */
export function request(origin, { method = "GET", path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, origin);
    if (url.hostname !== HOST)
      return reject(new Error(`refusing to contact ${url.hostname}: benchmarks only target ${HOST}`));
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent,
        headers: { ...headers, ...(payload ? { "Content-Length": payload.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          resolve({
            status: res.statusCode,
            headers: res.headers,
            raw,
            body: raw.toString("utf8"),
            sentAt,
            ms: now() - sentAt,
          });
        });
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error("request timeout")));
    req.on("error", reject);
    const sentAt = now();
    req.end(payload);
  });
}

/** `2026-11-21T151446Z`: a run's start, for file names. */
export function fileStamp(date) {
  return date
    .toISOString()
    .replace(/:/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** Writes the raw report (`file`, relative to the repository) and the summary, each through a temporary file. */
export function writeResults(file, report, summaryName, summary) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(ROOT, `${file}.tmp`), `${JSON.stringify(report, null, 2)}\n`);
  renameSync(join(ROOT, `${file}.tmp`), join(ROOT, file));
  writeFileSync(join(RESULTS, `${summaryName}.tmp`), summary);
  renameSync(join(RESULTS, `${summaryName}.tmp`), join(RESULTS, summaryName));
}
