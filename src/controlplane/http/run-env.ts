import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { Runner, type RunnerOptions } from '../jobs/runner.js';
import type { JobStore } from '../jobs/store.js';
import type { Env } from '../plan/secrets.js';

/** Values may be given with a request instead of the process environment (names as plans name them). */
export const requestEnvSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'env names are environment variable names (letters, digits, _)' }), z.string().max(8192))
  .refine((env) => Object.keys(env).length <= 200, { message: 'env holds at most 200 variables' });

export type RequestEnv = z.infer<typeof requestEnvSchema>;

type RunEnv = Record<string, string | undefined>;

/**
 * Secrets a request carries (`env`) for one run, kept in this process's memory only: never written to
 * the job store, never logged, never sent back.
 *
 * The runner reads `RunnerOptions.env` when it builds a run's connections (pre-flight in `create`, or
 * the first time a resumed run is touched) and keeps the object it got. `env` below is therefore a
 * getter answering with the env of the run the calling async context works for, and that env is one
 * mutable object per run: a later `resume` with new values (a corrected PIN) reaches connections
 * built earlier.
 */
export class RunEnvs {
  private readonly context = new AsyncLocalStorage<RunEnv>();
  private readonly byRun = new Map<string, RunEnv>();

  constructor(private readonly base: Env) {}

  /** For `RunnerOptions.env`: the env of the run being worked on, else the process's own. */
  get env(): Env {
    return this.context.getStore() ?? this.base;
  }

  /** The process env overlaid with the request's values (what pre-flight and a new run see). */
  overlay(values: RequestEnv | undefined): RunEnv {
    return { ...this.base, ...values };
  }

  /** Runs `fn` (which creates a run) with `env`; the created run keeps it. */
  async creating<T extends { runId: string }>(env: RunEnv, fn: () => Promise<T>): Promise<T> {
    const created = await this.context.run(env, fn);
    this.byRun.set(created.runId, env);
    return created;
  }

  /** Runs `fn` as work for `runId`; `values`, when given, replace the run's secrets first. */
  forRun<T>(runId: string, fn: () => T, values?: RequestEnv): T {
    let env = this.byRun.get(runId);
    if (!env) {
      env = this.overlay(undefined);
      this.byRun.set(runId, env);
    }
    if (values) replaceContents(env, this.overlay(values));
    return this.context.run(env, fn);
  }
}

function replaceContents(target: RunEnv, source: RunEnv): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}

export interface EnvAwareRunner {
  runner: Runner;
  envs: RunEnvs;
}

/** A runner whose runs see the secrets their requests carried, over `env` (the process's own). */
export function envAwareRunner(store: JobStore, env: Env, options: Omit<RunnerOptions, 'env'> = {}): EnvAwareRunner {
  const envs = new RunEnvs(env);
  const runner = new Runner(store, {
    ...options,
    get env(): Env {
      return envs.env;
    },
  });
  return { runner, envs };
}
