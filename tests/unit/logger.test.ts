import { describe, expect, it } from 'vitest';
import { createMemoryLogger, redactFields } from '../../src/main/logging/logger';

describe('logger', () => {
  it('redacts fields whose names suggest secrets or personal data', () => {
    expect(
      redactFields({
        pin: '123456',
        token: 't',
        phone: '+44',
        familyName: 'X',
        staffId: 's1',
        channel: 'members.find',
        count: 3,
      }),
    ).toEqual({
      pin: '[redacted]',
      token: '[redacted]',
      phone: '[redacted]',
      familyName: '[redacted]',
      staffId: 's1',
      channel: 'members.find',
      count: 3,
    });
  });

  it('writes one JSON line per event', () => {
    const logger = createMemoryLogger();
    logger.warn('ipc.refused', { reason: 'forbidden_sender' });
    expect(JSON.parse(logger.lines[0]!)).toMatchObject({
      level: 'warn',
      event: 'ipc.refused',
      reason: 'forbidden_sender',
    });
  });
});
