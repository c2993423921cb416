import { useState, type FormEvent, type ReactNode } from 'react';
import { control } from '../api/http.js';
import type { NumberRow, StateView } from '../api/types.js';
import { CheckField, Field, SelectField } from './Field.js';
import { ActionOutcome, useAction } from './ui.js';

/** `POST /_switchboard/phone-numbers`: a verified number in a WABA, optionally registered on Cloud API. */
export function CreateNumberForm({ state }: { state: StateView }): ReactNode {
  const action = useAction();
  const [wabaId, setWabaId] = useState('');
  const [cc, setCc] = useState('1');
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [nameStatus, setNameStatus] = useState('APPROVED');
  const [quality, setQuality] = useState('GREEN');
  const [throughput, setThroughput] = useState('STANDARD');
  const [oba, setOba] = useState(false);
  const [pin, setPin] = useState('');
  const waba = wabaId || state.wabas[0]?.id || '';

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run(async () => {
      const created = await control<NumberRow>('POST', 'phone-numbers', {
        waba_id: waba,
        cc,
        phone_number: phone.replace(/\D/g, ''),
        verified_name: name,
        name_status: nameStatus,
        quality_rating: quality,
        throughput_level: throughput,
        is_official_business_account: oba,
        ...(pin && { register_pin: pin }),
      });
      setPhone('');
      return `Created number ${created.id} (+${created.cc} ${created.number})`;
    });
  };

  return (
    <form onSubmit={submit} aria-labelledby="create-number-title" data-testid="create-number-form">
      <h3 id="create-number-title">Create a phone number</h3>
      <div className="form-grid">
        <SelectField label="WABA" name="waba_id" value={waba} onChange={setWabaId} options={state.wabas.map((w) => ({ value: w.id, label: `${w.name} (${w.id})` }))} />
        <Field label="Country code" name="cc" value={cc} onChange={setCc} required pattern="\d{1,3}" />
        <Field label="Phone number" name="phone_number" value={phone} onChange={setPhone} required hint="Digits without the country code, e.g. 6315550100" />
        <Field label="Display name" name="verified_name" value={name} onChange={setName} required />
        <SelectField label="Name status" name="name_status" value={nameStatus} onChange={setNameStatus} options={['APPROVED', 'PENDING_REVIEW', 'DECLINED', 'NONE']} />
        <SelectField label="Quality" name="quality_rating" value={quality} onChange={setQuality} options={['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']} />
        <SelectField label="Throughput" name="throughput_level" value={throughput} onChange={setThroughput} options={['STANDARD', 'HIGH']} />
        <Field label="Register on Cloud API with PIN" name="register_pin" value={pin} onChange={setPin} pattern="\d{6}" hint="Optional: six digits; empty leaves it unregistered" />
        <CheckField label="Official business account" name="oba" checked={oba} onChange={setOba} />
      </div>
      <button type="submit" disabled={action.busy || !waba}>
        Create number
      </button>
      <ActionOutcome action={action} testId="create-number-outcome" />
    </form>
  );
}
