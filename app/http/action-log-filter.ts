import { z } from "zod";
import {
  actionLogIdSchema,
  auditActions,
  resourceTypeSchema,
  type ActionLogFilter,
  type ActionLogId,
} from "#app/models/action-log.ts";
import { userIdSchema } from "#app/models/user.ts";

/**
 * The admin page's action-log filter, from its GET form: the API's filters (action, actor,
 * resource, time), with times as the browser's `datetime-local` fields send them, read as UTC.
 * Empty fields mean "any". `values` is what the form shows again; `error` names what was refused.
 */
export interface ActionLogFilterForm {
  readonly filter: ActionLogFilter;
  readonly before?: ActionLogId;
  readonly values: Readonly<Record<(typeof fields)[number], string>>;
  readonly error?: string;
}

const fields = ["action", "actor", "resourceType", "resourceId", "from", "to"] as const;
const utcMinute = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/)
  .transform((value) => new Date(`${value}Z`))
  .refine((date) => !Number.isNaN(date.getTime()));

const schema = z
  .object({
    action: z.enum(auditActions).optional(),
    actor: userIdSchema.optional(),
    resourceType: resourceTypeSchema.optional(),
    resourceId: z
      .string()
      .max(200)
      .regex(/^\P{Cc}*$/u)
      .optional(),
    from: utcMinute.optional(),
    to: utcMinute.optional(),
    before: actionLogIdSchema.optional(),
  })
  .refine((query) => !query.from || !query.to || query.from < query.to, {
    message: "“From” must be before “to”.",
    path: ["from"],
  });

export function parseActionLogFilter(params: URLSearchParams): ActionLogFilterForm {
  const given = (name: string) => params.get(name)?.trim() || undefined;
  const values = Object.fromEntries(
    fields.map((name) => [name, (given(name) ?? "").slice(0, 200)]),
  ) as ActionLogFilterForm["values"];
  const parsed = schema.safeParse({
    ...Object.fromEntries(fields.map((name) => [name, given(name)])),
    before: given("before"),
  });
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? "filter")))];
    return { filter: {}, values, error: `The filter was not applied: check ${names.join(", ")}.` };
  }
  const { actor, before, ...rest } = parsed.data;
  return { filter: { ...rest, actorId: actor }, before, values };
}
