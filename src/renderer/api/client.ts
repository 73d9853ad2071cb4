import type { ErrorCode, ErrorShape, FieldIssue, IpcResult } from '../../shared/errors';
import type { LoyaltyApi } from '../../shared/ipc/api';
import type { RequestBody, RequestInput, ResponseData } from '../../shared/ipc/contract';

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

/** A refusal that means the till must go back to the lock screen or to the forced PIN change. */
export type SessionProblem = 'not_authenticated' | 'pin_change_required';
type SessionListener = (problem: SessionProblem) => void;
const sessionListeners = new Set<SessionListener>();

/**
 * Calls `listener` whenever any call is refused because the session is gone (locked, timed out)
 * or must change its PIN first, so the app reacts in one place whichever view made the call.
 */
export function onSessionProblem(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => {
    sessionListeners.delete(listener);
  };
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
  const error = ApiError.from(result.error);
  if (error.code === 'not_authenticated' || error.code === 'pin_change_required') {
    for (const listener of [...sessionListeners]) listener(error.code);
  }
  // A detection hold: a manager's PIN clears it (alerts/HoldGate.tsx), then the same call runs once more.
  if (error.code === 'detection_hold' && holdResolver && (await holdResolver(error.details))) return unwrap(call);
  throw error;
}

/**
 * Answers a `detection_hold` refusal: resolves true once a manager has cleared the hold (the refused
 * call is then made again, with the same request id), false when nobody did.
 */
type HoldResolver = (details: Readonly<Record<string, string>>) => Promise<boolean>;
let holdResolver: HoldResolver | null = null;
export function onDetectionHold(resolver: HoldResolver): () => void {
  holdResolver = resolver;
  return () => {
    if (holdResolver === resolver) holdResolver = null;
  };
}

export type AppInfo = ResponseData<'app.getInfo'>;
export type SessionInfo = NonNullable<ResponseData<'session.current'>['session']>;
export type MemberSummary = ResponseData<'members.enroll'>;
export type FindResult = ResponseData<'members.find'>;
export type MatchKind = FindResult['matchedAs'][number];
export type EnrollInput = RequestInput<'members.enroll'>;
export type Language = AppInfo['language'];
export type Roster = ResponseData<'staff.roster'>;
export type RosterEntry = Roster['staff'][number];
export type Role = RosterEntry['role'];
export type QueueEntry = ResponseData<'approvals.decide'>;
export type ApprovalSubjectInput = RequestBody<'approvals.request'>;
export type AuditQuery = RequestInput<'audit.list'>;
export type AuditPage = ResponseData<'audit.list'>;
export type AuditEntry = AuditPage['entries'][number];
export type AuditVerification = ResponseData<'audit.verify'>;
export type AuditExportRequest = RequestInput<'audit.export'>;
export type AuditExportPage = ResponseData<'audit.export'>;
export type MemberView = ResponseData<'members.get'>;
export type LedgerEntry = MemberView['ledger'][number];
export type Reward = ResponseData<'rewards.list'>['rewards'][number];
export type EarnRules = NonNullable<ResponseData<'points.rules'>['rules']>;
export type LedgerWrite = ResponseData<'points.earn'>;
export type PrivacyNotice = ResponseData<'privacy.notice'>;
export type UpdateMemberInput = RequestInput<'members.update'>;
export type Contacts = ResponseData<'members.revealContacts'>;
export type MemberDataExport = ResponseData<'members.exportData'>;
export type SyncStatus = ResponseData<'sync.status'>;
export type DayEndReport = ResponseData<'sync.dayEnd'>;
export type PairTillInput = RequestInput<'sync.pair'>;
export type StoreDashboard = ResponseData<'dashboard.store'>;
export type AlertsPage = ResponseData<'alerts.list'>;
export type TillAlert = AlertsPage['alerts'][number];

/**
 * The only module that touches `window.loyalty`: every call resolves to its value or throws an ApiError.
 * Writes take the client request id of their user intent (api/intent.ts), so a retry is not a second write.
 */
export const api = {
  getInfo: (): Promise<AppInfo> => unwrap(() => bridge().app.getInfo({})),
  setLanguage: (language: Language, requestId: string): Promise<AppInfo> =>
    unwrap(() => bridge().app.setLanguage({ language, requestId })),
  currentSession: async (): Promise<SessionInfo | null> => (await unwrap(() => bridge().session.current({}))).session,
  login: async (staffId: string, pin: string): Promise<SessionInfo | null> =>
    (await unwrap(() => bridge().session.login({ staffId, pin }))).session,
  lock: async (): Promise<void> => {
    await unwrap(() => bridge().session.lock({}));
  },
  touch: async (): Promise<SessionInfo | null> => (await unwrap(() => bridge().session.touch({}))).session,
  roster: (): Promise<Roster> => unwrap(() => bridge().staff.roster({})),
  bootstrap: async (displayName: string, pin: string, requestId: string): Promise<SessionInfo | null> =>
    (await unwrap(() => bridge().staff.bootstrap({ displayName, pin, requestId }))).session,
  changeOwnPin: async (currentPin: string, newPin: string, requestId: string): Promise<SessionInfo | null> =>
    (await unwrap(() => bridge().staff.changeOwnPin({ currentPin, newPin, requestId }))).session,
  addStaff: (input: RequestInput<'staff.add'>): Promise<RosterEntry> => unwrap(() => bridge().staff.add(input)),
  resetPin: (input: RequestInput<'staff.resetPin'>): Promise<RosterEntry> =>
    unwrap(() => bridge().staff.resetPin(input)),
  unlockStaff: (input: RequestInput<'staff.unlock'>): Promise<RosterEntry> =>
    unwrap(() => bridge().staff.unlock(input)),
  grantApproval: (input: RequestInput<'approvals.grant'>): Promise<ResponseData<'approvals.grant'>> =>
    unwrap(() => bridge().approvals.grant(input)),
  requestApproval: (subject: ApprovalSubjectInput, requestId: string): Promise<{ approvalId: string }> =>
    unwrap(() => bridge().approvals.request({ ...subject, requestId })),
  listApprovals: async (status: 'pending' | 'all'): Promise<QueueEntry[]> =>
    (await unwrap(() => bridge().approvals.list({ status }))).entries,
  decideApproval: (input: RequestInput<'approvals.decide'>): Promise<QueueEntry> =>
    unwrap(() => bridge().approvals.decide(input)),
  listAudit: (query: AuditQuery): Promise<AuditPage> => unwrap(() => bridge().audit.list(query)),
  verifyAudit: (): Promise<AuditVerification> => unwrap(() => bridge().audit.verify({})),
  exportAudit: (request: AuditExportRequest): Promise<AuditExportPage> => unwrap(() => bridge().audit.export(request)),
  setIdleLock: (seconds: number, requestId: string): Promise<AppInfo> =>
    unwrap(() => bridge().settings.setIdleLock({ seconds, requestId })),
  enroll: (input: EnrollInput): Promise<MemberSummary> => unwrap(() => bridge().members.enroll(input)),
  find: (query: string): Promise<FindResult> => unwrap(() => bridge().members.find({ query })),
  getMember: (memberId: string): Promise<MemberView> => unwrap(() => bridge().members.get({ memberId })),
  updateMember: (input: UpdateMemberInput): Promise<MemberSummary> => unwrap(() => bridge().members.update(input)),
  setConsent: (input: RequestInput<'members.setConsent'>): Promise<MemberView> =>
    unwrap(() => bridge().members.setConsent(input)),
  revealContacts: (input: RequestInput<'members.revealContacts'>): Promise<Contacts> =>
    unwrap(() => bridge().members.revealContacts(input)),
  requestErasure: (input: RequestInput<'members.requestErasure'>): Promise<ResponseData<'members.requestErasure'>> =>
    unwrap(() => bridge().members.requestErasure(input)),
  /** The member's data export; its `requestId` is the intent's, so a retry is one request at HQ. */
  exportMemberData: (input: RequestInput<'members.exportData'>): Promise<MemberDataExport> =>
    unwrap(() => bridge().members.exportData(input)),
  nextCardNumber: async (): Promise<string> => (await unwrap(() => bridge().members.nextCardNumber({}))).cardNumber,
  privacyNotice: (language: Language): Promise<PrivacyNotice> => unwrap(() => bridge().privacy.notice({ language })),
  earnRules: async (): Promise<EarnRules | null> => (await unwrap(() => bridge().points.rules({}))).rules,
  quoteEarn: (input: RequestInput<'points.quote'>): Promise<ResponseData<'points.quote'>> =>
    unwrap(() => bridge().points.quote(input)),
  earn: (input: RequestInput<'points.earn'>): Promise<LedgerWrite> => unwrap(() => bridge().points.earn(input)),
  redeem: (input: RequestInput<'points.redeem'>): Promise<LedgerWrite> => unwrap(() => bridge().points.redeem(input)),
  adjustPoints: (input: RequestInput<'points.adjust'>): Promise<LedgerWrite> =>
    unwrap(() => bridge().points.adjust(input)),
  reverseEarn: (input: RequestInput<'points.reverse'>): Promise<LedgerWrite> =>
    unwrap(() => bridge().points.reverse(input)),
  rewards: async (): Promise<Reward[]> => (await unwrap(() => bridge().rewards.list({}))).rewards,
  syncStatus: (): Promise<SyncStatus> => unwrap(() => bridge().sync.status({})),
  syncNow: (): Promise<SyncStatus> => unwrap(() => bridge().sync.runNow({})),
  dayEnd: (): Promise<DayEndReport> => unwrap(() => bridge().sync.dayEnd({})),
  probeHq: async (hqUrl: string): Promise<string> => (await unwrap(() => bridge().sync.probeHq({ hqUrl }))).certSha256,
  /** Resolves once HQ accepted the till; the main process then rebuilds its services (later calls wait). */
  pair: (input: PairTillInput): Promise<{ storeName: string }> => unwrap(() => bridge().sync.pair(input)),
  storeDashboard: (days: 7 | 14 | 30): Promise<StoreDashboard> => unwrap(() => bridge().dashboard.store({ days })),
  listAlerts: (): Promise<AlertsPage> => unwrap(() => bridge().alerts.list({})),
  openAlerts: async (): Promise<number> => (await unwrap(() => bridge().alerts.openCount({}))).openCount,
  acknowledgeAlert: (alertId: string, requestId: string): Promise<TillAlert> =>
    unwrap(() => bridge().alerts.acknowledge({ alertId, requestId })),
  clearHold: (input: RequestInput<'detection.clearHold'>): Promise<ResponseData<'detection.clearHold'>> =>
    unwrap(() => bridge().detection.clearHold(input)),
};

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('internal_error', error instanceof Error ? error.message : String(error));
}
