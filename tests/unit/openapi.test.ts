import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "#app/http/openapi.ts";
import { errorCatalogue } from "#app/models/errors.ts";

/** The generated OpenAPI document is valid 3.1, and no endpoint under /api/v0 goes undocumented. */
const ROUTES = fileURLToPath(new URL("../../app/routes/", import.meta.url));

/** A flat-route file name as the URL path it serves (`api.v0.chat.rooms.$room.messages.ts` → `/api/v0/chat/rooms/{room}/messages`). */
function pathOf(file: string): string {
  const segments = file
    .replace(/\.tsx?$/, "")
    .replaceAll("[.]", "\0")
    .split(".")
    .filter((segment) => segment !== "_index")
    .map((segment) => (segment.startsWith("$") ? `{${segment.slice(1)}}` : segment.replaceAll("\0", ".")));
  return `/${segments.join("/")}`;
}

const apiRouteFiles = readdirSync(ROUTES).filter((file) => file.startsWith("api.v0."));

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const document = structuredClone(openApiDocument());
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(document as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("documents every route file under /api/v0, and the stream served in front of React Router", () => {
    const paths = Object.keys(openApiDocument().paths ?? {});
    expect(apiRouteFiles.length).toBeGreaterThanOrEqual(5);
    for (const file of apiRouteFiles) expect(paths, file).toContain(pathOf(file));
    expect(paths).toContain("/api/v0/action-logs/stream");
    expect(pathOf("api.v0.chat.rooms.$room.messages.ts")).toBe("/api/v0/chat/rooms/{room}/messages");
    expect(pathOf("api.v0.openapi[.]json.ts")).toBe("/api/v0/openapi.json");
  });

  it("describes the problem shape with every catalogue code, and each error response with its own codes and status", () => {
    const document = openApiDocument();
    const problem = document.components?.schemas?.Problem as { properties: { code: { enum: string[] } } };
    expect(problem.properties.code.enum.sort()).toEqual(Object.keys(errorCatalogue).sort());
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(
        item as Record<
          string,
          {
            responses: Record<
              string,
              { content?: Record<string, { schema: { properties?: { code?: { enum: string[] } } } }> }
            >;
          }
        >,
      )) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          const codes = response.content?.["application/json"]?.schema.properties?.code?.enum ?? [];
          expect(codes.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
          for (const code of codes)
            expect(errorCatalogue[code as keyof typeof errorCatalogue].status, `${method} ${path} ${code}`).toBe(
              Number(status),
            );
        }
      }
    }
  });
});
