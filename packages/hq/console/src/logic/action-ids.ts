import type { ConsoleApiError } from '../api/console-client';

/**
 * A write's requestId (the server's idempotency key) lives as long as one user action: pressing
 * the button again after no answer (network error, a 5xx, throttling) sends the same request with
 * the same id, so HQ answers it instead of doing it twice. Any other answer ends the action; a
 * different request (another row, other values) is another action with a new id.
 */
const RETRYABLE: ReadonlySet<string> = new Set(['network_error', 'internal_error', 'too_many_requests']);

export function isRetryable(error: ConsoleApiError): boolean {
  return RETRYABLE.has(error.code);
}

export class ActionIds {
  private pending: { key: string; requestId: string } | null = null;

  constructor(private readonly newId: () => string = () => crypto.randomUUID()) {}

  /** The requestId for the request identified by `key` (its payload without the requestId). */
  idFor(key: string): string {
    if (this.pending && this.pending.key === key) return this.pending.requestId;
    this.pending = { key, requestId: this.newId() };
    return this.pending.requestId;
  }

  /** The request was answered (error null) or refused: only a retryable failure keeps the id. */
  settle(error: ConsoleApiError | null): void {
    if (error && isRetryable(error)) return;
    this.pending = null;
  }
}
