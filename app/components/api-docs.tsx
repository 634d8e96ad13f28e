import type { DocsField, DocsOperation, DocsType } from "#app/http/api-docs.ts";
import { DataTable } from "./data-table.tsx";

/** The pieces of the `/docs` page: a type (linked to its schema), a field table, one operation. */
export function TypeName({ type }: { type: DocsType }) {
  if (!type.ref) return <code>{type.text}</code>;
  const [before, after] = splitAround(type.text, type.ref);
  return (
    <code>
      {before}
      <a href={`#schema-${type.ref}`}>{type.ref}</a>
      {after}
    </code>
  );
}

function splitAround(text: string, part: string): [string, string] {
  const at = text.indexOf(part);
  return at === -1 ? [`${text} `, ""] : [text.slice(0, at), text.slice(at + part.length)];
}

export function FieldTable({
  caption,
  fields,
  withLocation = false,
}: {
  caption: string;
  fields: readonly DocsField[];
  withLocation?: boolean;
}) {
  return (
    <DataTable caption={caption} columns={["Name", withLocation ? "In" : null, "Type", "Required", "Description"]}>
      {fields.map((field) => (
        <tr key={`${field.location ?? ""}:${field.name}`}>
          <th scope="row">
            <code>{field.name}</code>
          </th>
          {withLocation ? <td>{field.location}</td> : null}
          <td>
            <TypeName type={field.type} />
          </td>
          <td>{field.required ? "yes" : "no"}</td>
          <td>{field.description}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function OperationSection({ operation }: { operation: DocsOperation }) {
  return (
    <section className="api-operation" aria-labelledby={operation.anchor}>
      <h3 id={operation.anchor}>
        <span className="api-method">{operation.method}</span> <code>{operation.path}</code>
      </h3>
      <p>
        <strong>{operation.summary}.</strong>{" "}
        {operation.signedIn ? "Needs a signed-in session (the site's cookie)." : "Open to guests."}
      </p>
      {operation.description ? <p>{operation.description}</p> : null}
      {operation.parameters.length ? (
        <FieldTable caption="Parameters" fields={operation.parameters} withLocation />
      ) : null}
      {operation.body ? (
        <>
          <p>
            Body (<code>{operation.body.contentType}</code>): <TypeName type={operation.body.type} />
          </p>
          {operation.body.fields.length ? <FieldTable caption="Body fields" fields={operation.body.fields} /> : null}
        </>
      ) : null}
      <DataTable caption="Responses" columns={["Status", "Body", "Meaning"]}>
        {operation.responses.map((response) => (
          <tr key={response.status}>
            <th scope="row">{response.status}</th>
            <td>
              {response.type ? <TypeName type={response.type} /> : "none"}
              {response.contentType && response.contentType !== "application/json" ? (
                <> ({response.contentType})</>
              ) : null}
            </td>
            <td>
              {response.codes.length ? (
                <ul className="plain-list">
                  {response.codes.map((code) => (
                    <li key={code}>
                      <a href={`#error-${code.replace(":", "-")}`}>
                        <code>{code}</code>
                      </a>
                    </li>
                  ))}
                </ul>
              ) : (
                response.description
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
