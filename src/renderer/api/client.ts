import type { ErrorCode, ErrorShape, FieldIssue, IpcResult } from '../../shared/errors';
import type { LoyaltyApi } from '../../shared/ipc/api';
import type { RequestInput, ResponseData } from '../../shared/ipc/contract';

/**
 * Codes the renderer can see: every code the main process sends, plus `unavailable` for a call
 * that never got an answer (the transport failed or the answer was not an IpcResult).
 */
export type ClientErrorCode = ErrorCode | 'unavailable';

/** A refused or failed call. `message` is developer-facing English; staff see `code` translated. */
export class ApiError extends Error {
  readonly code: ClientErrorCode;
  readonly issues: readonly FieldIssue[];
  readonly details: Readonly<Record<string, string>>;

  constructor(code: ClientErrorCode, message: string, issues: FieldIssue[] = [], details: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.issues = issues;
    this.details = details;
  }

  static from(shape: ErrorShape): ApiError {
    return new ApiError(shape.code, shape.message, shape.issues ?? [], shape.details ?? {});
  }
}

/** True when the preload (or the test harness bridge) gave this page `window.loyalty`. */
export function hasBridge(): boolean {
  const candidate = (window as { loyalty?: unknown }).loyalty;
  return typeof candidate === 'object' && candidate !== null;
}

function bridge(): LoyaltyApi {
  if (!hasBridge()) throw new ApiError('unavailable', 'window.loyalty is missing');
  return window.loyalty;
}

function isResult(value: unknown): value is IpcResult<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

async function unwrap<T>(call: () => Promise<IpcResult<T>>): Promise<T> {
  let result: unknown;
  try {
    result = await call();
  } catch (cause) {
    throw new ApiError('unavailable', cause instanceof Error ? cause.message : 'The call failed');
  }
  if (!isResult(result)) throw new ApiError('unavailable', 'The answer was not an IpcResult');
  if (result.ok) return result.value as T;
  throw ApiError.from(result.error);
}

export type AppInfo = ResponseData<'app.getInfo'>;
export type SessionInfo = NonNullable<ResponseData<'session.current'>['session']>;
export type MemberSummary = ResponseData<'members.enroll'>;
export type FindResult = ResponseData<'members.find'>;
export type MatchKind = FindResult['matchedAs'][number];
export type EnrollInput = RequestInput<'members.enroll'>;
export type Language = AppInfo['language'];

/** The only module that touches `window.loyalty`: every call resolves to its value or throws an ApiError. */
export const api = {
  getInfo: (): Promise<AppInfo> => unwrap(() => bridge().app.getInfo({})),
  setLanguage: (language: Language): Promise<AppInfo> => unwrap(() => bridge().app.setLanguage({ language })),
  currentSession: async (): Promise<SessionInfo | null> => (await unwrap(() => bridge().session.current({}))).session,
  enroll: (input: EnrollInput): Promise<MemberSummary> => unwrap(() => bridge().members.enroll(input)),
  find: (query: string): Promise<FindResult> => unwrap(() => bridge().members.find({ query })),
};

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('internal_error', error instanceof Error ? error.message : String(error));
}
