import type { ReactNode } from 'react';
import type { Business, DemoView, StateView, Waba } from '../api/types.js';
import { Billing } from './Billing.js';
import { NumbersTable } from './NumbersTable.js';
import { Templates } from './Templates.js';
import { Badge, Disclosure, Empty } from './ui.js';

interface TreeProps {
  state: StateView;
  demo: DemoView | undefined;
  nowMs: number | undefined;
}

/** Businesses → the WABAs they own → numbers, templates, subscribed apps and billing. */
export function AccountsTree({ state, demo, nowMs }: TreeProps): ReactNode {
  if (state.businesses.length === 0) return <Empty>No businesses yet: reset with the demo seed or create some through the control API.</Empty>;
  return (
    <ul className="tree" aria-label="Businesses">
      {state.businesses.map((b) => (
        <li key={b.id} data-testid={`business-${b.id}`}>
          <h3>
            {b.name} <span className="sub">business {b.id}</span>{' '}
            <Badge tone={b.verification_status === 'verified' ? 'good' : 'warn'} label="Verification">
              {b.verification_status}
            </Badge>
          </h3>
          <WabaList business={b} wabas={state.wabas.filter((w) => w.owner_business_id === b.id)} {...{ state, demo, nowMs }} />
        </li>
      ))}
    </ul>
  );
}

function WabaList({ business, wabas, state, demo, nowMs }: TreeProps & { business: Business; wabas: Waba[] }): ReactNode {
  if (wabas.length === 0) return <p className="sub">Owns no WhatsApp Business Accounts.</p>;
  const nameOf = (id: string | null): string => state.businesses.find((x) => x.id === id)?.name ?? String(id);
  const appName = (id: string): string => state.apps.find((a) => a.id === id)?.name ?? id;
  return (
    <ul>
      {wabas.map((w) => {
        const subs = state.subscriptions.filter((s) => s.waba_id === w.id);
        const templates = state.templates.filter((t) => t.waba_id === w.id);
        return (
          <li key={w.id} className="waba" data-testid={`waba-${w.id}`}>
            <h4>
              WABA {w.name} <span className="sub">{w.id}</span>{' '}
              <Badge tone={w.review_status === 'APPROVED' ? 'good' : 'warn'} label="Review">
                {w.review_status}
              </Badge>
              {w.partner_business_id ? <span className="sub"> · shared with partner {nameOf(w.partner_business_id)}</span> : null}
            </h4>
            <NumbersTable numbers={state.phone_numbers.filter((n) => n.waba_id === w.id)} context={{ waba: w, business, demo, nowMs }} />
            <Disclosure summary={`Templates (${templates.length})`}>
              <Templates templates={templates} />
            </Disclosure>
            <Disclosure summary={`Subscribed apps (${subs.length})`}>
              {subs.length === 0 ? (
                <Empty>No app is subscribed: no webhooks for this WABA.</Empty>
              ) : (
                <ul>
                  {subs.map((s) => (
                    <li key={s.app_id}>
                      {appName(s.app_id)} <span className="sub">app {s.app_id}</span>
                      {s.override_callback_uri ? <span className="sub"> · override {s.override_callback_uri}</span> : null}
                    </li>
                  ))}
                </ul>
              )}
            </Disclosure>
            <Disclosure summary="Billing">
              <Billing wabaId={w.id} />
            </Disclosure>
          </li>
        );
      })}
    </ul>
  );
}
