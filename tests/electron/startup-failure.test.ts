import { describe, expect, it } from 'vitest';
import { describeStartupFailure } from '../../src/main/electron/startup-failure';
import { AppError, type ErrorCode } from '../../src/shared/errors';

const where = { dataDir: '/home/till/.config/Loyalty Desk' };

describe('describeStartupFailure', () => {
  it.each<[ErrorCode, RegExp]>([
    ['keychain_unavailable', /secret store is not available[\s\S]*unlock the login keychain[\s\S]*GNOME Keyring/],
    ['database_key_missing', /do not delete the data folder/i],
    ['database_key_wrong', /does not open the local database/],
    ['database_corrupt', /damaged/],
    ['database_missing', /missing from the data folder/],
    ['database_not_encrypted', /unencrypted/],
    ['database_too_new', /newer version/],
    ['disk_full', /free some disk space/],
  ])('explains %s and says what to do', (code, text) => {
    const failure = describeStartupFailure(new AppError(code, 'internal developer text'), where);
    expect(failure.code).toBe(code);
    expect(failure.title).toBe('Loyalty Desk cannot start');
    expect(failure.message).toMatch(text);
    expect(failure.message).toMatch(/What to do:/);
    expect(failure.message).toContain(`Error code: ${code}`);
    expect(failure.message).toContain(where.dataDir);
  });

  it('never offers to continue without encryption', () => {
    for (const code of ['keychain_unavailable', 'database_key_wrong', 'database_not_encrypted'] as const) {
      const { message } = describeStartupFailure(new AppError(code, 'x'), where);
      expect(message).not.toMatch(/without encryption|continue anyway|plaintext/i);
    }
  });

  it('does not leak the text of unexpected errors', () => {
    const failure = describeStartupFailure(new Error('SQLITE_ERROR near "jane@example.com"'), where);
    expect(failure.code).toBe('internal_error');
    expect(failure.message).not.toContain('jane@example.com');
    expect(failure.message).toContain('Error code: internal_error');
  });
});
