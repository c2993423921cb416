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
 * `path` null pauses it.
 */
export function usePoll<T>(path: string | null, intervalMs = 1000): Polled<T> {
  const { version } = useContext(RefreshContext);
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    if (path === null) return undefined;
    let stopped = false;
    let inFlight = false;
    const read = (): void => {
      if (inFlight) return;
      inFlight = true;
      control<T>('GET', path).then(
        (data) => !stopped && setState({ data, error: undefined }),
        (err: unknown) => !stopped && setState((s) => ({ data: s.data, error: err instanceof Error ? err.message : String(err) })),
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
  }, [path, intervalMs, version]);
  return state;
}
