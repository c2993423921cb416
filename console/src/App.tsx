import { useState, type KeyboardEvent, type ReactNode } from 'react';
import { usePoll } from './api/poll.js';
import type { ClockView } from './api/types.js';
import { MigrationView, useMigrationSession } from './components/migrations/MigrationView.js';
import { PlatformView } from './components/PlatformView.js';

const TABS = [
  { id: 'platform', title: 'Platform' },
  { id: 'migrations', title: 'Migrations' },
] as const;
type TabId = (typeof TABS)[number]['id'];

const initialTab = (): TabId => (location.hash === '#migrations' ? 'migrations' : 'platform');

export function App(): ReactNode {
  const [tab, setTab] = useState<TabId>(initialTab);
  const clock = usePoll<ClockView>('clock', 1000);
  const migrations = useMigrationSession();
  const select = (id: TabId): void => {
    setTab(id);
    history.replaceState(null, '', `#${id}`);
  };
  // WAI-ARIA tabs: arrow keys move between tabs.
  const onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
    if (next) {
      select(next.id);
      document.getElementById(`tab-${next.id}`)?.focus();
    }
  };
  return (
    <>
      <header className="top">
        <h1>Switchboard console</h1>
        <nav role="tablist" aria-label="Views" onKeyDown={onKey}>
          {TABS.map((t) => (
            <button key={t.id} id={`tab-${t.id}`} role="tab" type="button" aria-selected={tab === t.id} aria-controls={`panel-${t.id}`} tabIndex={tab === t.id ? 0 : -1} onClick={() => select(t.id)}>
              {t.title}
            </button>
          ))}
        </nav>
        <p className="clock" aria-live="off">
          Emulator clock: <time>{clock.data?.now ?? '…'}</time>
        </p>
      </header>
      <main id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'platform' ? <PlatformView clock={clock.data} /> : <MigrationView clock={clock.data} session={migrations} />}
      </main>
    </>
  );
}
