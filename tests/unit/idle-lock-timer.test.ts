import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startIdleLockTimer } from '../../src/main/auth/idle-lock-timer';
import type { SessionStore } from '../../src/main/auth/session';
import { createMemoryLogger } from '../../src/main/logging/logger';

describe('the idle lock timer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads the session every 5 seconds (which locks an idle till on time) until stopped', () => {
    let reads = 0;
    const sessions = { current: () => (reads++, null) } as Pick<SessionStore, 'current'> as SessionStore;
    const stop = startIdleLockTimer({ sessions, logger: createMemoryLogger() });
    vi.advanceTimersByTime(4_999);
    expect(reads).toBe(0);
    vi.advanceTimersByTime(1);
    expect(reads).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(reads).toBe(3);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(reads).toBe(3);
  });

  it('logs a failed check by its code only and keeps checking', () => {
    let reads = 0;
    const failing = () => {
      reads++;
      throw Object.assign(new Error('olivia@example.com'), { code: 'database_busy' });
    };
    const logger = createMemoryLogger();
    const stop = startIdleLockTimer({
      sessions: { current: failing } as Pick<SessionStore, 'current'> as SessionStore,
      logger,
    });
    vi.advanceTimersByTime(10_000);
    stop();
    expect(reads).toBe(2);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines.join('\n')).toContain('session.idle_check_failed');
    expect(logger.lines.join('\n')).toContain('database_busy');
    expect(logger.lines.join('\n')).not.toContain('olivia');
  });
});
