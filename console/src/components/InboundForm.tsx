import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { displayPhoneNumber } from '../../../src/platform/phone-numbers/domain.js';
import { control } from '../api/http.js';
import type { InboundResult, StateView } from '../api/types.js';
import { Field, SelectField } from './Field.js';
import { ActionOutcome, useAction } from './ui.js';

/** `POST /_switchboard/inbound`: a consumer messages a business number. */
export function InboundForm({ state }: { state: StateView }): ReactNode {
  const action = useAction();
  const consumersId = useId();
  const [numberId, setNumberId] = useState('');
  const [from, setFrom] = useState('');
  const [type, setType] = useState('text');
  const [text, setText] = useState('Hello!');
  const number = numberId || state.phone_numbers.find((n) => n.api !== 'none')?.id || state.phone_numbers[0]?.id || '';
  const sender = from || state.consumers[0]?.wa_id || '';

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run(async () => {
      const name = state.consumers.find((c) => c.wa_id === sender)?.name;
      const res = await control<InboundResult>('POST', 'inbound', { phone_number_id: number, from: sender, ...(name && { name }), type, ...(type === 'text' && { text: { body: text } }) });
      return res.delivered ? `Delivered as ${res.messageId ?? 'a message'}${res.api ? ` (${res.api})` : ''}` : `Dropped: ${res.reason ?? 'unknown reason'}`;
    });
  };

  return (
    <form onSubmit={submit} aria-labelledby="inbound-title" data-testid="inbound-form">
      <h3 id="inbound-title">Send an inbound message as a consumer</h3>
      <div className="form-grid">
        <SelectField
          label="To business number"
          name="phone_number_id"
          value={number}
          onChange={setNumberId}
          options={state.phone_numbers.map((n) => ({ value: n.id, label: `${displayPhoneNumber(n)} · ${n.verified_name} (${n.api})` }))}
        />
        <div className="field">
          <label htmlFor={`${consumersId}-from`}>From consumer (wa_id)</label>
          <input id={`${consumersId}-from`} name="from" list={consumersId} value={sender} onChange={(e) => setFrom(e.target.value)} required pattern="\d{6,15}" />
          <datalist id={consumersId}>
            {state.consumers.map((c) => (
              <option key={c.wa_id} value={c.wa_id}>
                {c.name}
              </option>
            ))}
          </datalist>
        </div>
        <SelectField label="Type" name="type" value={type} onChange={setType} options={['text', 'voice', 'image', 'document', 'sticker']} />
        {type === 'text' ? <Field label="Text" name="text" value={text} onChange={setText} required /> : null}
      </div>
      <button type="submit" disabled={action.busy || !number}>
        Send inbound message
      </button>
      <ActionOutcome action={action} testId="inbound-outcome" />
    </form>
  );
}
