import { useCallback, useEffect, useEffectEvent, useMemo, useReducer, useRef, useState } from 'react';
import { toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { ActionIds } from '../logic/action-ids';
import { approvalReducer } from '../logic/approval-flow';

export interface Loaded<T> {
  data: T | null;
  error: ConsoleApiError | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads once per change of `key` and on reload(); an answer that comes after a newer load is
 * dropped. The previous data stays shown while a new load runs.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [generation, setGeneration] = useState(0);
  const current = `${generation}:${key}`;
  const [result, setResult] = useState<{ for: string; data: T | null; error: ConsoleApiError | null }>({
    for: '',
    data: null,
    error: null,
  });
  const runLoad = useEffectEvent(load);
  useEffect(() => {
    let live = true;
    runLoad().then(
      (data) => {
        if (live) setResult({ for: current, data, error: null });
      },
      (error: unknown) => {
        if (live) setResult({ for: current, data: null, error: toConsoleApiError(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [current]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return {
    data: result.data,
    error: result.for === current ? result.error : null,
    loading: result.for !== current,
    reload,
  };
}

export interface Action {
  busy: boolean;
  error: ConsoleApiError | null;
  /**
   * Runs one write. `key` identifies the request (its payload without the requestId): pressed
   * again after no answer, the same key gets the same requestId. Resolves undefined on a refusal,
   * which `error` then holds.
   */
  run: <T>(
    key: string,
    write: (requestId: string) => Promise<T>,
    onRefused?: (error: ConsoleApiError) => void,
  ) => Promise<T | undefined>;
  clearError: () => void;
}

export function useAction(): Action {
  const ids = useRef<ActionIds | null>(null);
  ids.current ??= new ActionIds();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ConsoleApiError | null>(null);
  const run = useCallback(
    async <T>(key: string, write: (requestId: string) => Promise<T>, onRefused?: (error: ConsoleApiError) => void) => {
      const actionIds = ids.current ?? new ActionIds();
      const requestId = actionIds.idFor(key);
      setBusy(true);
      setError(null);
      try {
        const result = await write(requestId);
        actionIds.settle(null);
        return result;
      } catch (thrown) {
        const refusal = toConsoleApiError(thrown);
        actionIds.settle(refusal);
        setError(refusal);
        onRefused?.(refusal);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [],
  );
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, run, clearError };
}

/** The approvals kept per target for second-operator requests (logic/approval-flow.ts). */
export function useApprovals() {
  const [approvals, dispatch] = useReducer(approvalReducer, {});
  return { approvals, dispatch };
}

export interface ObjectUrls {
  /** A blob: URL for `content`, for an `<a download>`; kept until revoked or the component goes. */
  make: (content: string, type: string) => string;
  revoke: (url: string) => void;
}

/**
 * Object URLs for files built in the browser (an export, a CSV). They are made in the event
 * handler that has the content, not during render, and every one still held is revoked when the
 * component unmounts, so a file handed out once does not stay reachable in memory.
 */
export function useObjectUrls(): ObjectUrls {
  const made = useRef<Set<string>>(new Set());
  useEffect(() => {
    const urls = made.current;
    return () => {
      for (const url of urls) URL.revokeObjectURL(url);
      urls.clear();
    };
  }, []);
  return useMemo(
    () => ({
      make(content: string, type: string) {
        const url = URL.createObjectURL(new Blob([content], { type }));
        made.current.add(url);
        return url;
      },
      revoke(url: string) {
        URL.revokeObjectURL(url);
        made.current.delete(url);
      },
    }),
    [],
  );
}
