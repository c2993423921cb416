import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { ListOf } from '../api/types.js';
import { Empty, ErrorNote } from './ui.js';

/** A table with a caption for screen readers and one header cell per column. */
export function DataTable({ caption, columns, className, children }: { caption: string; columns: readonly string[]; className?: string; children: ReactNode }): ReactNode {
  // Wide tables scroll inside their panel rather than spill out of it.
  return (
    <div className="table-scroll">
      <table className={className}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A polled `{data: [...]}` control-API list: its error, an empty note, or `children(items)`. */
export function PolledList<T>({ path, intervalMs, empty, children }: { path: string; intervalMs: number; empty: string; children: (items: T[]) => ReactNode }): ReactNode {
  const { data, error } = usePoll<ListOf<T>>(path, intervalMs);
  if (!data) return <ErrorNote error={error} />;
  if (data.data.length === 0) return <Empty>{empty}</Empty>;
  return children(data.data);
}
