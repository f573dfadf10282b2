import { isValidElement, type ReactElement, type ReactNode } from 'react';

/**
 * One column heading: its words, words with a class ("hide-phone", "num"), or a header cell of
 * its own (a sortable heading).
 */
export type Column = string | { label: ReactNode; className?: string } | ReactElement;

interface DataTableProps {
  /** Added after "data-table" ("trash-table"). */
  className?: string;
  /** Read by screen readers only. */
  caption: ReactNode;
  columns: readonly Column[];
  /** A last column without visible heading, for the row buttons ("Actions"). */
  actionsLabel?: string;
  /** The rows. */
  children: ReactNode;
}

/** A scrollable data table with a hidden caption and column headings. */
export function DataTable({ className, caption, columns, actionsLabel, children }: DataTableProps) {
  return (
    <div className="table-wrap">
      <table className={className ? `data-table ${className}` : 'data-table'}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <ColumnHeading key={i} column={column} />
            ))}
            {actionsLabel ? (
              <th scope="col">
                <span className="sr-only">{actionsLabel}</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function ColumnHeading({ column }: { column: Column }) {
  if (isValidElement(column)) return column;
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  return (
    <th scope="col" className={column.className}>
      {column.label}
    </th>
  );
}
