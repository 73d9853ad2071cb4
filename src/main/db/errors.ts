import { AppError } from '../../shared/errors';

interface SqliteErrorLike {
  code?: unknown;
  message?: unknown;
}

/**
 * Maps SQLite failures to typed errors. Messages are fixed English text: SQLite's own messages can
 * quote values from the failing statement, so they stay in `cause` for the developer log only.
 */
export function mapSqliteError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = typeof (error as SqliteErrorLike)?.code === 'string' ? ((error as SqliteErrorLike).code as string) : '';
  if (
    code === 'SQLITE_FULL' ||
    (code.startsWith('SQLITE_IOERR') && /ENOSPC|full/i.test(String((error as SqliteErrorLike).message)))
  ) {
    return new AppError('disk_full', 'The disk is full. Nothing was saved; free some space and try again.', {
      cause: error,
    });
  }
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new AppError('database_corrupt', 'The device database is damaged. It was left untouched for recovery.', {
      cause: error,
    });
  }
  return new AppError('internal_error', 'The device database could not complete the request.', { cause: error });
}
