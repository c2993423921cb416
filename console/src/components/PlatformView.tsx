import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { ClockView, DemoView, StateView } from '../api/types.js';
import { AccountsTree } from './AccountsTree.js';
import { Apps } from './Apps.js';
import { ClockControl } from './ClockControl.js';
import { CodeInbox } from './CodeInbox.js';
import { CreateNumberForm } from './CreateNumberForm.js';
import { Deliveries } from './Deliveries.js';
import { Deployments } from './Deployments.js';
import { InboundDrops } from './InboundDrops.js';
import { InboundForm } from './InboundForm.js';
import { SettingsForm } from './SettingsForm.js';
import { WabaMigrations } from './WabaMigrations.js';
import { ErrorNote, Section } from './ui.js';

/** `GET /demo` answers `{}` when the database was not seeded with the demo. */
const isDemo = (d: DemoView | Record<string, never> | undefined): d is DemoView => d !== undefined && 'accessToken' in d;

/** Everything the platform holds, live, with the common control actions beside it. */
export function PlatformView({ clock }: { clock: ClockView | undefined }): ReactNode {
  const state = usePoll<StateView>('state', 1000);
  // The demo ids and token pre-fill the migration form; they never change while the page is open.
  const demo = usePoll<DemoView | Record<string, never>>('demo', 60_000);
  const demoData = isDemo(demo.data) ? demo.data : undefined;
  if (!state.data) return <ErrorNote error={state.error} />;
  return (
    <div className="platform">
      <div className="column-main">
        <Section title="Businesses, WABAs and numbers" id="accounts">
          <ErrorNote error={state.error} />
          <AccountsTree state={state.data} demo={demoData} nowMs={clock?.now_ms} />
        </Section>
        <Section title="Webhook deliveries" id="deliveries">
          <Deliveries />
        </Section>
        <Section title="Dropped inbound messages" id="drops">
          <InboundDrops />
        </Section>
        <Section title="Apps and subscriptions" id="apps">
          <Apps state={state.data} />
        </Section>
        <Section title="On-Prem deployments" id="deployments">
          <Deployments />
        </Section>
        <Section title="WABA-to-WABA migrations" id="waba-migrations">
          <WabaMigrations />
        </Section>
      </div>
      <aside className="column-side" aria-label="Actions">
        <Section title="Actions" id="actions">
          <ClockControl clock={clock} />
          <SettingsForm />
          <CreateNumberForm state={state.data} />
          <InboundForm state={state.data} />
        </Section>
        <Section title="SMS / voice code inbox" id="codes">
          <CodeInbox />
        </Section>
      </aside>
    </div>
  );
}
