// What the machine is and how busy it was: cores, Node, limits, and CPU time from /proc, for the
// "other load" caveat every result carries. Linux only (as the project's machines are).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { fileStamp, round } from "./common.mjs";

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  // 100 on every Linux we know
}

export function machineInfo() {
  let ulimitN = Number.NaN;
  try {
    ulimitN = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  } catch {
    // fall back to /proc below
  }
  const limits =
    readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((line) => line.startsWith("Max open files"))
      ?.split(/\s+/) ?? [];
  const softFiles = Number.isFinite(ulimitN) ? ulimitN : Number(limits[3]);
  const hardFiles = limits[4] === "unlimited" ? Number.POSITIVE_INFINITY : Number(limits[4]);
  let portRange = [32768, 60999];
  try {
    portRange = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  } catch {
    // Linux default
  }
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    openFilesSoft: softFiles,
    openFilesHard: hardFiles,
    ephemeralPorts: portRange[1] - portRange[0] + 1,
    clockTicks,
  };
}

export const loadAverage = () => os.loadavg().map((value) => round(value, 2));

/** VmRSS, RssAnon and thread count of a process (KiB), from /proc/<pid>/status. */
export function readStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
    return { vmRssKb: field("VmRSS"), rssAnonKb: field("RssAnon"), threads: field("Threads") };
  } catch {
    return { vmRssKb: Number.NaN, rssAnonKb: Number.NaN, threads: Number.NaN };
  }
}

/** User + system CPU time (ms) one process has used so far. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks; // utime + stime
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU time of the whole machine (ms), from /proc/stat. */
function systemCpu() {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const toMs = (ticks) => (ticks * 1000) / clockTicks;
  return {
    busyMs: toMs(user + nice + system + irq + softirq + steal),
    totalMs: toMs(user + nice + system + idle + iowait + irq + softirq + steal),
  };
}

/**
 * CPU time (ms) of a process and every process below it (a server's PostgreSQL, say), with the time
 * of the children they have already reaped (cutime + cstime), so a short-lived PostgreSQL backend
 * that exits during a window keeps counting. `self: false` leaves the root process out.
 */
export function treeCpu(rootPid, { self = true } = {}) {
  const parents = new Map();
  const cpu = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
      parents.set(Number(entry), Number(fields[1]));
      // utime + stime + cutime + cstime
      cpu.set(
        Number(entry),
        ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks,
      );
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const [pid, ms] of cpu) {
    if (!self && pid === rootPid) continue;
    for (let at = pid, hops = 0; at > 1 && hops < 64; at = parents.get(at) ?? 0, hops++) {
      if (at === rootPid) {
        total += ms;
        break;
      }
    }
  }
  return total;
}

/**
 * Starts a window; its end() says how busy the machine was, and how much of that was not this
 * benchmark's (this process and everything it started, PostgreSQL included), in cores.
 */
export function cpuWindow(cores = os.cpus().length) {
  const system = systemCpu();
  const own = treeCpu(process.pid);
  return () => {
    const systemNow = systemCpu();
    const busy = systemNow.busyMs - system.busyMs;
    const total = systemNow.totalMs - system.totalMs;
    const ours = treeCpu(process.pid) - own;
    return {
      machineBusyPercent: round((100 * busy) / total, 0),
      otherProcessesCores: round(Math.max(0, busy - ours) / (total / cores), 2),
    };
  };
}

/**
 * The head every results file starts with: which benchmark, when, for how long, on what machine,
 * how loaded it was before and after; `file` is where the raw results go (relative to the repository).
 */
export function runRecord(benchmark, started, { machine, loadBefore }) {
  return {
    benchmark,
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    file: `bench/results/${benchmark}-${fileStamp(started)}.json`,
    machine,
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}

/** The first line of a summary: the run and its machine (`extra` goes before the load average). */
export function machineLine(report, extra = []) {
  const { machine } = report;
  return [
    report.startedAt,
    `${machine.cores} cores (${machine.cpuModel})`,
    `Node ${machine.node}`,
    machine.platform,
    ...extra,
    `load average before ${report.loadAverage.before.join(" / ")}, after ${report.loadAverage.after.join(" / ")}`,
    `${report.durationSeconds} s in all`,
  ].join(" · ");
}
