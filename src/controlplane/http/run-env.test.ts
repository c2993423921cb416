import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RunEnvs } from './run-env.js';

describe('RunEnvs: secrets given with a request, per run, in memory', () => {
  it('answers the process env outside any run', () => {
    const envs = new RunEnvs({ SB_TOKEN: 'from-process' });
    expect(envs.env['SB_TOKEN']).toBe('from-process');
  });

  it('gives a run created with request values those values (over the process env), across awaits', async () => {
    const envs = new RunEnvs({ SB_TOKEN: 'from-process', OTHER: 'kept' });
    let seen: unknown;
    await envs.creating(envs.overlay({ SB_TOKEN: 'from-request' }), async () => {
      await delay(5);
      seen = { ...envs.env };
      return { runId: 'run-a' };
    });
    expect(seen).toEqual({ SB_TOKEN: 'from-request', OTHER: 'kept' });
    expect(envs.forRun('run-a', () => envs.env['SB_TOKEN'])).toBe('from-request');
    expect(envs.env['SB_TOKEN']).toBe('from-process');
  });

  it('keeps concurrent runs apart', async () => {
    const envs = new RunEnvs({});
    const create = (runId: string, token: string): Promise<{ runId: string; token: string | undefined }> =>
      envs.creating(envs.overlay({ SB_TOKEN: token }), async () => {
        await delay(token === 'a' ? 10 : 1);
        return { runId, token: envs.env['SB_TOKEN'] };
      });
    const [a, b] = await Promise.all([create('run-a', 'a'), create('run-b', 'b')]);
    expect([a.token, b.token]).toEqual(['a', 'b']);
    expect(envs.forRun('run-b', () => envs.env['SB_TOKEN'])).toBe('b');
  });

  it('replaces a run\'s secrets in place on resume, so connections built earlier see the new values', async () => {
    const envs = new RunEnvs({});
    let captured: Readonly<Record<string, string | undefined>> = {};
    await envs.creating(envs.overlay({ SB_PIN: '000000', STALE: 'x' }), async () => {
      captured = envs.env;
      return { runId: 'run-a' };
    });
    envs.forRun('run-a', () => undefined, { SB_PIN: '123456' });
    expect(captured).toEqual({ SB_PIN: '123456' });
  });

  it('gives a run it has not seen (created by an earlier process) the process env', () => {
    const envs = new RunEnvs({ SB_TOKEN: 'from-process' });
    expect(envs.forRun('old-run', () => ({ ...envs.env }))).toEqual({ SB_TOKEN: 'from-process' });
  });
});
