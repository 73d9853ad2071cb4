import { AppError, type ErrorCode } from '../../shared/errors';

export interface StartupFailure {
  code: ErrorCode;
  title: string;
  message: string;
}

const TITLE = 'Loyalty Desk cannot start';

/**
 * Turns a startup error into the text of the error dialog: what happened, what it means for the
 * data, and what to do. English only (i18n is not loaded yet); no personal data, no secrets, no raw
 * native error text. There is never a plaintext fallback: the app quits after showing it.
 */
export function describeStartupFailure(error: unknown, where: { dataDir: string }): StartupFailure {
  const code: ErrorCode = error instanceof AppError ? error.code : 'internal_error';
  const folder = `Data folder: ${where.dataDir}`;
  const footer = `\n\n${folder}\nError code: ${code}`;
  const text = (body: string) => ({ code, title: TITLE, message: body + footer });

  switch (code) {
    case 'keychain_unavailable':
      return text(
        "The operating system's secret store is not available. Loyalty Desk keeps the key that encrypts " +
          'its customer data only there, and will not run without it.\n\n' +
          'What to do: on Windows, sign in with your own user account; on macOS, unlock the login keychain; ' +
          'on Linux, make sure a Secret Service keyring (GNOME Keyring or KWallet) is installed, running ' +
          'and unlocked. Then start Loyalty Desk again. If it keeps happening, contact IT support.',
      );
    case 'database_key_missing':
      return text(
        'The local database is there, but the information needed to find its encryption key is missing. ' +
          'The database was left untouched.\n\n' +
          'What to do: do not delete the data folder (it may hold sales not yet sent to HQ). Contact IT ' +
          'support; they can recover the data or re-pair this device with HQ.',
      );
    case 'database_key_wrong':
      return text(
        "The key in this computer's secret store does not open the local database. This happens when the " +
          'data folder was copied from another computer or user account, or the secret store was reset. ' +
          'The database was left untouched.\n\n' +
          'What to do: start Loyalty Desk under the user account that set it up. Otherwise do not delete ' +
          'the data folder and contact IT support.',
      );
    case 'database_corrupt':
      return text(
        'The local database file is damaged. It was left untouched so that it can be recovered.\n\n' +
          'What to do: do not delete the data folder (it may hold sales not yet sent to HQ). Contact IT ' +
          'support.',
      );
    case 'database_missing':
      return text(
        'The local database file is missing from the data folder, although this computer created one. ' +
          'Loyalty Desk did not start an empty one, so nothing is silently lost.\n\n' +
          'What to do: restore the data folder from a backup, or contact IT support to re-pair this device ' +
          'with HQ.',
      );
    case 'database_not_encrypted':
      return text(
        'The data folder holds an unencrypted database file. Loyalty Desk only works with encrypted ' +
          'customer data and refuses to use it; the file was left untouched.\n\n' +
          'What to do: contact IT support to find out where the file came from.',
      );
    case 'database_too_new':
      return text(
        'The local database was written by a newer version of Loyalty Desk than this one. It was left ' +
          'untouched.\n\n' +
          'What to do: install the latest version of Loyalty Desk, then start it again.',
      );
    case 'disk_full':
      return text(
        'The disk is full, so Loyalty Desk cannot open its database safely. Nothing was changed.\n\n' +
          'What to do: free some disk space, then start Loyalty Desk again.',
      );
    default:
      return text(
        'Loyalty Desk could not start because of an unexpected error. No data was changed.\n\n' +
          'What to do: start it again. If it keeps happening, contact IT support and give them the ' +
          'error code below.',
      );
  }
}
