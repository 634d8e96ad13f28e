import { expect } from "vitest";
import type { Browser } from "./browser.ts";

/** JSON API calls for the integration tests, with the browser's cookie, address and origin. */
export const getJson = (browser: Browser, path: string) => browser.get(path, { accept: "application/json" });

export const postJson = (browser: Browser, path: string, body: unknown, headers: Record<string, string> = {}) =>
  browser.send(path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });

/** Expects a catalogue problem: the status, the code, and the same status in the body. */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<{ status: number; code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const problem = JSON.parse(text) as { status: number; code: string; message: string };
  expect(problem).toMatchObject({ status, code });
  expect(Object.keys(problem).sort()).toEqual(["code", "message", "status"]);
  return problem;
}

export async function okJson<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}
