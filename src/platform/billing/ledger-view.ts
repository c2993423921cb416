import type { BillingEntry } from '../../store/schema.js';

/** `GET /_switchboard/billing/{waba_id}`: a WABA's charges. Its own module so the web console can import it without the database layer. */
export interface LedgerView {
  waba_id: string;
  currency: string;
  total_micros: number;
  by_category: Record<string, { count: number; amount_micros: number }>;
  entries: BillingEntry[];
}
