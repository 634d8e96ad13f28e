import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogFormat, LogLevel } from "./config.ts";

export type { Logger };

/** pretty: a synchronous human-readable stream (nothing lost at exit); json: one line per event. */
export function createLogger(format: LogFormat, level: LogLevel): Logger {
  const options = { level, base: { service: "glassbox" } };
  if (format === "json") return pino(options);
  return pino(options, pretty({ sync: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname,service" }));
}
