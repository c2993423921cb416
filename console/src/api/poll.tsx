import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { control } from './http.js';

interface RefreshState {
  /** Bumped after every action, so every view re-reads at once instead of waiting for its next tick. */
  version: number;
  refresh: () => void;
}

const RefreshContext = createContext<RefreshState>({ version: 0, refresh: () => undefined });

export function RefreshProvider({ children }: { children: ReactNode }): ReactNode {
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  const value = useMemo(() => ({ version, refresh }), [version, refresh]);
  return <RefreshContext.Provider value={value}>{children}</RefreshContext.Provider>;
}

export const useRefresh = (): (() => void) => useContext(RefreshContext).refresh;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
}

/**
 * Reads a control-API path now, every `intervalMs`, and after every action. Polling (rather than a
 * push channel) keeps the platform unchanged: every list the console shows is already a GET.
 * `path` null pauses it; a change of `trigger` (a run's event arrived) reads it again at once.
 */
export function usePoll<T>(path: string | null, intervalMs = 1000, trigger = 0): Polled<T> {
  const { version } = useContext(RefreshContext);
  // Remembers which path the data came from: another path's data is never shown as this one's.
  const [state, setState] = useState<Polled<T> & { path: string | null }>({ data: undefined, error: undefined, path });
  useEffect(() => {
    if (path === null) return undefined;
    let stopped = false;
    let inFlight = false;
    const read = (): void => {
      if (inFlight) return;
      inFlight = true;
      control<T>('GET', path).then(
        (data) => !stopped && setState({ data, error: undefined, path }),
        (err: unknown) => !stopped && setState((s) => ({ data: s.path === path ? s.data : undefined, error: err instanceof Error ? err.message : String(err), path })),
      ).finally(() => {
        inFlight = false;
      });
    };
    read();
    const timer = setInterval(read, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [path, intervalMs, version, trigger]);
  return state.path === path ? { data: state.data, error: state.error } : { data: undefined, error: undefined };
}
