import type { ReactNode } from 'react';

/** A table row's header cell: the number's id, and the plan's label for it under it. */
export function NumberCell({ n }: { n: { phone_number_id: string; label?: string } }): ReactNode {
  return (
    <th scope="row">
      {n.phone_number_id}
      {n.label ? <div className="sub">{n.label}</div> : null}
    </th>
  );
}
