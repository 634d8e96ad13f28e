import { errorCatalogue, type ErrorCode } from "#app/models/errors.ts";
import { openApiDocument } from "./openapi.ts";

/**
 * The `/docs` page's content, read from the OpenAPI document (not written twice): operations by
 * tag with their parameters, bodies and responses, the named schemas as field tables, and the
 * error codes. Everything is plain data, so the page renders the same without JavaScript.
 */
export interface DocsType {
  /** How a person reads the type: `integer, 1–100, default 50`, `ChatMessage or null`. */
  readonly text: string;
  /** The named schema it is (or holds), to link to. */
  readonly ref?: string;
}

export interface DocsField {
  readonly name: string;
  readonly type: DocsType;
  readonly required: boolean;
  readonly description?: string;
  /** For parameters: query, path or header. */
  readonly location?: string;
}

export interface DocsResponse {
  readonly status: string;
  readonly description: string;
  readonly contentType?: string;
  readonly type?: DocsType;
  readonly codes: readonly string[];
}

export interface DocsOperation {
  readonly anchor: string;
  readonly method: string;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly signedIn: boolean;
  readonly parameters: readonly DocsField[];
  readonly body?: { readonly contentType: string; readonly type: DocsType; readonly fields: readonly DocsField[] };
  readonly responses: readonly DocsResponse[];
}

export interface ApiDocs {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  readonly groups: readonly {
    readonly tag: string;
    readonly description?: string;
    readonly operations: readonly DocsOperation[];
  }[];
  readonly schemas: readonly {
    readonly name: string;
    readonly anchor: string;
    readonly description?: string;
    readonly fields: readonly DocsField[];
  }[];
  readonly errors: readonly { readonly code: string; readonly status: number; readonly message: string }[];
}

/** The parts of a JSON Schema (OpenAPI 3.1) this page reads. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
}

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Schema }> }>;
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);
const isNull = (schema: Schema) => schema.type === "null";

function typeOf(schema: Schema | undefined): DocsType {
  if (!schema) return { text: "any" };
  if (schema.$ref) return { text: refName(schema.$ref), ref: refName(schema.$ref) };
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const types = variants.filter((variant) => !isNull(variant)).map(typeOf);
    const nullable = variants.some(isNull) ? " or null" : "";
    return {
      text: `${types.map((type) => type.text).join(" or ")}${nullable}`,
      ref: types.find((type) => type.ref)?.ref,
    };
  }
  if (schema.enum) return { text: `one of ${schema.enum.map((value) => JSON.stringify(value)).join(", ")}` };
  if (schema.const !== undefined) return { text: JSON.stringify(schema.const) };
  if (schema.type === "array") {
    const item = typeOf(schema.items);
    return { text: `array of ${item.text}`, ref: item.ref };
  }
  const base = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  const notes: string[] = [];
  if (schema.format) notes.push(schema.format);
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    notes.push(`${schema.minimum ?? "…"}–${schema.maximum ?? "…"}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    notes.push(`${schema.minLength ?? 0}–${schema.maxLength ?? "…"} characters`);
  if (typeof schema.additionalProperties === "object") notes.push("any keys");
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  return { text: [base, ...notes].join(", ") };
}

/** An object's fields; inline objects (also nullable ones) are opened up as `outer.inner`. */
function fieldsOf(schema: Schema | undefined, prefix = ""): DocsField[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).flatMap(([name, property]) => {
    const field: DocsField = {
      name: `${prefix}${name}`,
      type: typeOf(property),
      required: schema.required?.includes(name) ?? false,
      description: property.description,
    };
    const inline = (property.anyOf ?? property.oneOf)?.find((variant) => variant.properties) ?? property;
    return [field, ...(inline.properties && !property.$ref ? fieldsOf(inline, `${field.name}.`) : [])];
  });
}

function operationOf(method: string, path: string, operation: Operation, named: Record<string, Schema>): DocsOperation {
  const resolved = (schema: Schema | undefined) => (schema?.$ref ? named[refName(schema.$ref)] : schema);
  const [bodyType, bodyMedia] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  return {
    anchor: `op-${operation.operationId ?? `${method}-${path}`}`,
    method: method.toUpperCase(),
    path,
    summary: operation.summary ?? "",
    description: operation.description,
    signedIn: (operation.security?.length ?? 0) > 0,
    parameters: (operation.parameters ?? []).map((parameter) => ({
      name: parameter.name,
      location: parameter.in,
      type: typeOf(parameter.schema),
      required: parameter.required ?? false,
      description: parameter.description,
    })),
    body:
      bodyType && bodyMedia
        ? { contentType: bodyType, type: typeOf(bodyMedia.schema), fields: fieldsOf(resolved(bodyMedia.schema)) }
        : undefined,
    responses: Object.entries(operation.responses).map(([status, response]) => {
      const [contentType, media] = Object.entries(response.content ?? {})[0] ?? [];
      const codes = media?.schema?.properties?.code?.enum?.map(String) ?? [];
      return {
        status,
        description: response.description,
        contentType,
        type: codes.length ? { text: "Problem", ref: "Problem" } : typeOf(media?.schema),
        codes,
      };
    }),
  };
}

export function apiDocs(): ApiDocs {
  const document = openApiDocument();
  const named = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({
      tag: operation.tags?.[0] ?? "other",
      operation: operationOf(method, path, operation, named),
    })),
  );
  const problem = document.components?.schemas?.Problem as Schema | undefined;
  return {
    title: document.info.title,
    version: document.info.version,
    description: document.info.description ?? "",
    groups: (document.tags ?? []).map((tag) => ({
      tag: tag.name,
      description: tag.description,
      operations: operations.filter((entry) => entry.tag === tag.name).map((entry) => entry.operation),
    })),
    schemas: Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => ({
      name,
      anchor: `schema-${name}`,
      description: (schema as Schema).description,
      fields: fieldsOf(schema as Schema),
    })),
    errors: ((problem?.properties?.code?.enum ?? []) as ErrorCode[]).map((code) => ({
      code,
      status: errorCatalogue[code].status,
      message: errorCatalogue[code].message,
    })),
  };
}
