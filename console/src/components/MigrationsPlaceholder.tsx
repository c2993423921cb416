import type { ReactNode } from 'react';
import { Section } from './ui.js';

/**
 * PLACEHOLDER (issue 7, second slice): the migration view (plans, pre-flight, runs with live
 * per-batch and per-number progress, reports, timeline chart) lands once the control plane is on main.
 */
export function MigrationsPlaceholder(): ReactNode {
  return (
    <Section title="Migrations" id="migrations-placeholder">
      <p data-testid="migrations-placeholder">
        Coming with the control plane: load or write a migration plan, run pre-flight, start a run and watch it batch by batch and number by
        number, then read the report and its timeline.
      </p>
      <p>
        Until then, migrate a single On-Prem number from the <strong>Platform</strong> tab: its <em>Migrate to Cloud API</em> button backs up the
        deployment and registers the number on Cloud API with that backup.
      </p>
    </Section>
  );
}
