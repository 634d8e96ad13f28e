import type { ReactNode } from "react";

/**
 * A captioned table of rows under column headings, scrolling sideways on narrow screens. The rows
 * are the caller's `<tr>`s; a `null` heading leaves that column out.
 */
export function DataTable({
  caption,
  columns,
  children,
}: {
  caption: string;
  columns: readonly (string | null)[];
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) =>
              column === null ? null : (
                <th key={column} scope="col">
                  {column}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
