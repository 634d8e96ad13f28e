import { describe, expect, it } from "vitest";
import { AppError, describeWait, errorCatalogue, httpErrorCode, isErrorCode, problemOf } from "#app/models/errors.ts";

describe("error catalogue", () => {
  it("names every code area:reason and gives it a 4xx status (5xx only for the edge's own answers and a third party that failed)", () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[a-z]+:[a-z_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      if (code === "oauth:provider_unavailable") expect(entry.status).toBe(502);
      else expect(entry.status).toBeLessThan(code.startsWith("http:") ? 600 : 500);
    }
  });

  it("answers a bare HTTP status with the edge's entry for it, else the generic one", () => {
    expect(httpErrorCode(404)).toBe("http:not_found");
    expect(httpErrorCode(405)).toBe("http:method_not_allowed");
    expect(httpErrorCode(413)).toBe("http:payload_too_large");
    expect(httpErrorCode(418)).toBe("http:bad_request");
    expect(httpErrorCode(500)).toBe("http:internal_error");
    expect(httpErrorCode(502)).toBe("http:internal_error");
    expect(isErrorCode("http:timeout")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
  });

  it("turns an error into the {status, code, message} problem, with the wait for 429s", () => {
    expect(problemOf(new AppError("auth:invalid_credentials"))).toEqual({
      status: 401,
      code: "auth:invalid_credentials",
      message: "Invalid email or password",
    });
    const throttled = new AppError("auth:throttled", 840);
    expect(throttled.message).toBe("Too many sign-in attempts. Try again in 14 minutes.");
    expect(throttled.retryAfterSecs).toBe(840);
  });

  it("describes waits as a person would say them", () => {
    expect(describeWait(1)).toBe("1 second");
    expect(describeWait(45)).toBe("45 seconds");
    expect(describeWait(60)).toBe("1 minute");
    expect(describeWait(61)).toBe("2 minutes");
  });
});
