import type { Connections } from '../../connections.js';
import type { OutboundGateway } from '../../outbound/gateway.js';
import type { NumberEntry } from '../../plan/schema.js';

export type Outcome = { status: 'succeeded' | 'skipped'; output?: unknown };

export interface StepContext<E extends NumberEntry = NumberEntry> {
  readonly runId: string;
  readonly entry: E;
  readonly conn: Connections;
  readonly outbound: OutboundGateway;
  /** Outputs of this job's finished steps, by step name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /**
   * Steps whose `run` succeeded in this process, in this execution of the job — not observed, not
   * skipped, not done by an earlier process: what they saw is seconds old.
   */
  readonly ranHere: ReadonlySet<string>;
  /** Whether an attempt of `step` was ever made for this job (recorded, or in this process). */
  attempted(step: string): boolean;
}

export interface StepDefinition<E extends NumberEntry = NumberEntry> {
  readonly name: string;
  /**
   * Looks at remote state (GETs only) to tell whether this step's effect is already in place; called
   * before every attempt. A previous attempt may have acted before the process died or its answer was
   * lost, the number may have moved outside the control plane, and a `started` record lost to a power
   * cut must not turn into a second register. Returns the outcome to record, or undefined to run the
   * step. Steps whose `run` is safe to repeat need none.
   */
  observe?(ctx: StepContext<E>): Promise<Outcome | undefined>;
  run(ctx: StepContext<E>): Promise<Outcome>;
}

export interface RollbackResult {
  /** `rolled_back`: the number serves on its original API again; `failed`: it stays where it is. */
  status: 'rolled_back' | 'failed';
  note: string;
}

/**
 * Called when a step at or after the commit step cannot complete: puts the number back where the
 * seeds allow it, and decides where held messages go. Throws when even that fails.
 */
export type Rollback<E extends NumberEntry = NumberEntry> = (ctx: StepContext<E>) => Promise<RollbackResult>;

export interface KindDefinition<E extends NumberEntry = NumberEntry> {
  readonly steps: readonly StepDefinition<E>[];
  /** The step that moves the number; before it nothing remote has changed for good. */
  readonly commitStep: string;
  readonly rollback: Rollback<E>;
}

export const done = (output?: unknown): Outcome => ({ status: 'succeeded', ...(output !== undefined && { output }) });
export const skipped = (output?: unknown): Outcome => ({ status: 'skipped', ...(output !== undefined && { output }) });
