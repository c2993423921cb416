import { useState, type FormEvent, type ReactNode } from 'react';
import { sendThroughGateway } from '../../api/controlplane.js';
import type { NumberReport } from '../../api/cp-types.js';
import { Field, SelectField } from '../Field.js';
import { ActionOutcome, useAction } from '../ui.js';

/**
 * What the partner's app does during the migration: send through the control plane instead of Graph.
 * While a number moves its messages are held, then leave on the new API in order.
 */
export function GatewayForm({ numbers, consumer }: { numbers: readonly NumberReport[]; consumer: string | undefined }): ReactNode {
  const action = useAction();
  const eligible = numbers.filter((n) => n.batch !== null);
  const [picked, setPicked] = useState<string | undefined>();
  const [to, setTo] = useState<string | undefined>();
  const [text, setText] = useState('Your order is ready for pickup.');
  const number = picked ?? eligible[0]?.phone_number_id ?? '';
  const recipient = to ?? consumer ?? '';
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run(async () => {
      const accepted = await sendThroughGateway(number, recipient, text);
      return accepted.state === 'held' ? `Held (#${accepted.id}): it leaves on the new API once the number has moved.` : `Queued (#${accepted.id}): on its way now.`;
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="gateway-title" data-testid="gateway-form">
      <h4 id="gateway-title">Send as the partner&apos;s app</h4>
      <div className="form-grid">
        <SelectField label="From number" name="number" value={number} onChange={setPicked} options={eligible.map((n) => ({ value: n.phone_number_id, label: `${n.phone_number_id}${n.label ? ` (${n.label})` : ''}` }))} />
        <Field label="To (wa_id)" name="to" value={recipient} onChange={setTo} required pattern="\d+" />
        <Field label="Message" name="text" value={text} onChange={setText} required />
      </div>
      <button type="submit" disabled={action.busy || number === ''}>
        Send through the control plane
      </button>
      <ActionOutcome action={action} testId="gateway-outcome" />
    </form>
  );
}
