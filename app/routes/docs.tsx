import { FieldTable, OperationSection } from "#app/components/api-docs.tsx";
import { DataTable } from "#app/components/data-table.tsx";
import { apiDocs } from "#app/http/api-docs.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import type { Route } from "./+types/docs";

/** `/docs`: the API's documentation, rendered on the server from its OpenAPI document. */
export function loader() {
  return apiDocs();
}

export const meta: Route.MetaFunction = () =>
  pageMeta({
    title: "API documentation — glassbox",
    description: "The JSON API under /api/v0: endpoints, parameters, bodies, responses and error codes.",
  });

export default function Docs({ loaderData: docs }: Route.ComponentProps) {
  return (
    <>
      <h1>API documentation</h1>
      <p className="lead">{docs.description}</p>
      <p>
        Version {docs.version}, under <code>/api/v0</code>. The machine-readable description is the OpenAPI 3.1 document{" "}
        <a href="/api/v0/openapi.json">/api/v0/openapi.json</a>, generated from the same schemas the API checks its
        input with.
      </p>
      <nav aria-labelledby="docs-contents">
        <h2 id="docs-contents">Endpoints</h2>
        <ul className="plain-list">
          {docs.groups.flatMap((group) =>
            group.operations.map((operation) => (
              <li key={operation.anchor}>
                <a href={`#${operation.anchor}`}>
                  <code>
                    {operation.method} {operation.path}
                  </code>
                </a>{" "}
                — {operation.summary}
              </li>
            )),
          )}
        </ul>
      </nav>
      {docs.groups.map((group) => (
        <section key={group.tag} aria-labelledby={`tag-${group.tag.replaceAll(" ", "-")}`}>
          <h2 id={`tag-${group.tag.replaceAll(" ", "-")}`}>{group.tag[0]?.toUpperCase() + group.tag.slice(1)}</h2>
          {group.description ? <p>{group.description}</p> : null}
          {group.operations.map((operation) => (
            <OperationSection key={operation.anchor} operation={operation} />
          ))}
        </section>
      ))}
      <section aria-labelledby="docs-schemas">
        <h2 id="docs-schemas">Schemas</h2>
        {docs.schemas.map((schema) => (
          <section key={schema.name} aria-labelledby={schema.anchor}>
            <h3 id={schema.anchor}>
              <code>{schema.name}</code>
            </h3>
            {schema.description ? <p>{schema.description}</p> : null}
            <FieldTable caption={`${schema.name} fields`} fields={schema.fields} />
          </section>
        ))}
      </section>
      <section aria-labelledby="docs-errors">
        <h2 id="docs-errors">Error codes</h2>
        <p>
          Every error is a <a href="#schema-Problem">Problem</a>: <code>{"{status, code, message}"}</code>. Codes are
          stable; messages are for people (for invalid input they name each failing field). A 429 carries{" "}
          <code>Retry-After</code>.
        </p>
        <DataTable caption="Codes" columns={["Code", "Status", "Message"]}>
          {docs.errors.map((error) => (
            <tr key={error.code} id={`error-${error.code.replace(":", "-")}`}>
              <th scope="row">
                <code>{error.code}</code>
              </th>
              <td>{error.status}</td>
              <td>{error.message}</td>
            </tr>
          ))}
        </DataTable>
      </section>
    </>
  );
}
