import { openApiDocument } from "#app/http/openapi.ts";

/** `GET /api/v0/openapi.json`: the OpenAPI 3.1 document, generated from the API's zod schemas. */
export function loader() {
  return Response.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
}
