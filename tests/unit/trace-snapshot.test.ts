import { expect, it } from "vitest";
import { createTracer } from "../../app/services/trace.ts";

it("a snapshot gives a visitor their own requests as events and only other visitors' requests as anonymous lines", () => {
  const tracer = createTracer();
  const request = (visitorId: string | null, path: string) => {
    const { scope } = tracer.runRequest({ requestId: `request-${path}`, visitorId, method: "GET", path, source: "document" }, () => undefined);
    tracer.endRequest(scope, 200);
  };
  request("alice", "/a");
  request("bob", "/b");
  request(null, "/first-visit");

  const alice = tracer.snapshot("alice");
  expect(alice.own.filter((event) => event.kind === "request.end").map((event) => event.fields.path)).toEqual(["/a"]);
  // Her own request is not also "another visitor's" line.
  expect(alice.others.map((line) => line.path)).toEqual(["/b", "/first-visit"]);
  expect(tracer.snapshot("bob").others.map((line) => line.path)).toEqual(["/a", "/first-visit"]);
  // A client without a visitor cookie has nothing of its own: every line is someone else's.
  expect(tracer.snapshot(null)).toEqual({ own: [], others: expect.any(Array) });
  expect(tracer.snapshot(null).others.map((line) => line.path)).toEqual(["/a", "/b", "/first-visit"]);
});
