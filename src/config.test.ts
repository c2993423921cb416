import { describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from './config.js';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}): PlatformConfig => {
  const config = loadConfig(argv, env);
  if (config === 'help') throw new Error('unexpected help');
  return config;
};

describe('loadConfig', () => {
  it('defaults: port 4780, demo seed, quotas on, control API open', () => {
    const c = load([]);
    expect(c).toMatchObject({ port: 4780, seedDemo: true, graphRateLimits: true, downtimeMs: 3000, control: { mode: 'open' } });
  });

  it('reads flags before environment variables', () => {
    expect(load(['--port', '0', '--no-rate-limits'], { SWITCHBOARD_PORT: '9' })).toMatchObject({ port: 0, graphRateLimits: false });
    expect(load([], { SWITCHBOARD_RATE_LIMITS: '0', SWITCHBOARD_DOWNTIME_MS: '0' })).toMatchObject({ graphRateLimits: false, downtimeMs: 0 });
  });

  it('protects or disables the control API', () => {
    expect(load(['--control-token', 'a-long-enough-token'])).toMatchObject({ control: { mode: 'token', token: 'a-long-enough-token' } });
    expect(load([], { SWITCHBOARD_CONTROL_TOKEN: 'another-long-token!' }).control).toEqual({ mode: 'token', token: 'another-long-token!' });
    expect(load(['--no-control', '--control-token', 'a-long-enough-token']).control).toEqual({ mode: 'disabled' });
    expect(() => load(['--control-token', 'short'])).toThrow(/at least 16/);
  });

  it('refuses bad values with a message', () => {
    expect(() => load(['--port', '70000'])).toThrow(/invalid port/);
    expect(() => load(['--downtime-ms', '-1'])).toThrow(/downtime/);
    expect(() => load(['--webhook-batch', '0'])).toThrow(/webhook batch/);
    expect(loadConfig(['--help'], {})).toBe('help');
  });
});
