import { describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/main/auth/session';

describe('the session store', () => {
  it("a PIN change finishing after a switch of user does not touch the new user's session", () => {
    const sessions = createSessionStore();
    sessions.open({ staffId: 'b', displayName: 'B', role: 'cashier', startedAt: '', mustChangePin: true });
    sessions.update({ mustChangePin: false }, 'a');
    expect(sessions.current()?.mustChangePin).toBe(true);
    sessions.update({ mustChangePin: false }, 'b');
    expect(sessions.current()?.mustChangePin).toBe(false);
  });
});
