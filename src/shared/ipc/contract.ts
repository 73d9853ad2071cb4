import { getCountries } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { ChannelPermission } from '../auth/permissions';
import {
  ApprovalSubject,
  DecideApprovalRequest,
  GrantApprovalRequest,
  GrantApprovalResponse,
  ListApprovalsRequest,
  QueueEntry,
  RestrictedStaffRequest,
} from '../approvals/schemas';
import {
  ExportAuditRequest,
  ExportAuditResponse,
  ListAuditRequest,
  ListAuditResponse,
  VerifyAuditResponse,
} from '../audit/schemas';
import { MemberView } from '../members/member-view';
import {
  EnrollRequest,
  FindRequest,
  FindResponse,
  MemberRequest,
  MemberSummary,
  RevealContactsResponse,
  SetConsentRequest,
  UpdateMemberRequest,
} from '../members/schemas';
import {
  ExportDataRequest,
  ExportDataResponse,
  RequestErasureRequest,
  RequestErasureResponse,
  RevealContactsRequest,
} from '../privacy/schemas';
import {
  AdjustRequest,
  EarnRequest,
  LedgerWriteResponse,
  QuoteEarnRequest,
  QuoteEarnResponse,
  RedeemRequest,
  ReverseRequest,
  RewardsResponse,
  RulesResponse,
} from '../points/schemas';
import {
  AddStaffRequest,
  BootstrapRequest,
  ChangeOwnPinRequest,
  LoginRequest,
  RosterEntry,
  RosterResponse,
  SessionInfo,
} from '../staff/schemas';
import type { Channel } from './channels';
import { PairTillRequest, PairTillResponse, ProbeHqRequest, ProbeHqResponse, SyncStatus } from '../sync/status';
import { DayEndReport } from '../sync/protocol';
import { StoreDashboard, StoreDashboardRequest } from '../dashboard/store-dashboard';
import {
  AcknowledgeAlertRequest,
  ClearHoldRequest,
  ClearHoldResponse,
  ListAlertsRequest,
  ListAlertsResponse,
  OpenAlertsResponse,
  TillAlert,
} from '../detection/alert-schemas';

import { LANGUAGES, type Language } from '../i18n/languages';

export { LANGUAGES, type Language };

export const IDLE_LOCK_MIN_SECONDS = 30;
export const IDLE_LOCK_MAX_SECONDS = 3600;

export const AppInfo = z.strictObject({
  version: z.string(),
  language: z.enum(LANGUAGES),
  storeRegion: z.string(),
  idleLockSeconds: z.number().int(),
  pinLength: z.number().int(),
  /** The largest adjustment HQ applies from this store (its store policy); null before HQ said. */
  maxAdjustPoints: z.number().int().nullable(),
  /** Four-eyes: a correction moving more points than this needs a manager other than the one who asked. */
  secondApproverAbovePoints: z.number().int(),
  /** Years this till keeps its audit entries (the chain's privacy policy once paired). */
  auditRetentionYears: z.number().int(),
  /** Paired with HQ (the first-run screen offers pairing until then). */
  paired: z.boolean(),
  storeName: z.string().nullable(),
  /** When HQ revoked this till and its data was wiped; shown on the first-run screen. */
  revokedAt: z.string().nullable(),
});

export { SessionInfo };
const SessionResponse = z.strictObject({ session: SessionInfo.nullable() });

export interface ChannelSpec {
  request: z.ZodType;
  response: z.ZodType;
  permission: ChannelPermission;
  /** Still allowed while the session holds a temporary PIN (public channels always are). */
  duringPinChange?: true;
  /**
   * Read by the app on a timer, not by a person: it does not count as activity, so polling it never
   * keeps an unattended till from locking itself.
   */
  passive?: true;
  /**
   * A business write: the payload also carries a client request id (`requestId`, a UUID). The same id
   * gives the same answer and no second effect, across restarts; with another payload it is refused.
   */
  write?: true;
}

const Empty = z.strictObject({});

/**
 * The IPC contract: for each channel, the request the main process accepts, the response it
 * promises, and the permission a staff session needs. The router enforces all three.
 */
export const contract = {
  'app.getInfo': { request: Empty, response: AppInfo, permission: 'public' },
  'app.setLanguage': {
    request: z.strictObject({ language: z.enum(LANGUAGES, { error: 'invalid_choice' }) }),
    response: AppInfo,
    permission: 'public',
    write: true,
  },
  'session.current': { request: Empty, response: SessionResponse, permission: 'public' },
  // Login, lock and the roster are public: they are how a locked till becomes usable again.
  'session.login': { request: LoginRequest, response: SessionResponse, permission: 'public' },
  'session.lock': { request: Empty, response: SessionResponse, permission: 'public' },
  /** Staff activity in the window (keys, pointer): keeps the session from locking itself. */
  'session.touch': { request: Empty, response: SessionResponse, permission: 'session.self', duringPinChange: true },
  'staff.roster': { request: Empty, response: RosterResponse, permission: 'public' },
  /** First run only: creates the first manager when the till has no staff at all. */
  'staff.bootstrap': { request: BootstrapRequest, response: SessionResponse, permission: 'public', write: true },
  'staff.changeOwnPin': {
    request: ChangeOwnPinRequest,
    response: SessionResponse,
    permission: 'session.self',
    duringPinChange: true,
    write: true,
  },
  'staff.add': { request: AddStaffRequest, response: RosterEntry, permission: 'staff.manage', write: true },
  'staff.resetPin': {
    request: RestrictedStaffRequest.resetPin,
    response: RosterEntry,
    permission: 'staff.reset_pin',
    write: true,
  },
  'staff.unlock': {
    request: RestrictedStaffRequest.unlock,
    response: RosterEntry,
    permission: 'staff.unlock',
    write: true,
  },
  'approvals.grant': {
    request: GrantApprovalRequest,
    response: GrantApprovalResponse,
    permission: 'approvals.request',
    write: true,
  },
  'approvals.request': {
    request: ApprovalSubject,
    response: z.strictObject({ approvalId: z.string() }),
    permission: 'approvals.request',
    write: true,
  },
  'approvals.list': {
    request: ListApprovalsRequest,
    response: z.strictObject({ entries: z.array(QueueEntry) }),
    permission: 'approvals.grant',
  },
  'approvals.decide': {
    request: DecideApprovalRequest,
    response: QueueEntry,
    permission: 'approvals.grant',
    write: true,
  },
  'audit.list': { request: ListAuditRequest, response: ListAuditResponse, permission: 'audit.read' },
  'audit.verify': { request: Empty, response: VerifyAuditResponse, permission: 'audit.read' },
  // A read that leaves an audit entry (like audit.verify): not a business write, and its answer (a
  // page of the log) must not be kept in the request log.
  'audit.export': { request: ExportAuditRequest, response: ExportAuditResponse, permission: 'audit.export' },
  'settings.setStoreRegion': {
    // The region phone numbers typed without a country code are read in: a store setting.
    request: z.strictObject({ region: z.enum(getCountries() as [string, ...string[]], { error: 'invalid_choice' }) }),
    response: AppInfo,
    permission: 'settings.manage',
    write: true,
  },
  'settings.setIdleLock': {
    request: z.strictObject({
      seconds: z
        .number({ error: 'invalid_type' })
        .int({ error: 'invalid' })
        .min(IDLE_LOCK_MIN_SECONDS, { error: 'too_small' })
        .max(IDLE_LOCK_MAX_SECONDS, { error: 'too_big' }),
    }),
    response: AppInfo,
    permission: 'settings.manage',
    write: true,
  },
  'members.enroll': { request: EnrollRequest, response: MemberSummary, permission: 'members.enroll', write: true },
  'members.find': { request: FindRequest, response: FindResponse, permission: 'members.read' },
  'members.get': { request: MemberRequest, response: MemberView, permission: 'members.read' },
  'members.update': {
    request: UpdateMemberRequest,
    response: MemberSummary,
    permission: 'members.update',
    write: true,
  },
  'members.setConsent': {
    request: SetConsentRequest,
    response: MemberView,
    permission: 'members.consent',
    write: true,
  },
  /** Contacts this till holds, or (paired, with the manager's PIN) those only HQ holds: shown, never stored. */
  'members.revealContacts': {
    request: RevealContactsRequest,
    response: RevealContactsResponse,
    permission: 'members.reveal_contacts',
  },
  /** A manager asks, with the member present, that the member be erased (GDPR Art. 17). */
  'members.requestErasure': {
    request: RequestErasureRequest,
    response: RequestErasureResponse,
    permission: 'members.erase',
    write: true,
  },
  /**
   * A manager hands a member their data (GDPR Art. 15/20): HQ's export when HQ answers, else this
   * till's own partial one saying what it lacks. Carries its own request id for HQ's record, but is
   * not a write here: the router would keep the answer, and the document must not stay on the till.
   */
  'members.exportData': {
    request: ExportDataRequest,
    response: ExportDataResponse,
    permission: 'members.export',
  },
  /** The next free number of this till's card block (taken only when a member is enrolled with it). */
  'members.nextCardNumber': {
    request: Empty,
    response: z.strictObject({ cardNumber: z.string() }),
    permission: 'members.enroll',
  },
  /** The current privacy notice in one language; its version is what consent records. */
  'privacy.notice': {
    request: z.strictObject({ language: z.enum(LANGUAGES, { error: 'invalid_choice' }) }),
    response: z.strictObject({ version: z.string(), language: z.enum(LANGUAGES), text: z.string() }),
    permission: 'members.read',
  },
  'points.rules': { request: Empty, response: RulesResponse, permission: 'members.read' },
  'points.quote': { request: QuoteEarnRequest, response: QuoteEarnResponse, permission: 'points.earn' },
  'points.earn': { request: EarnRequest, response: LedgerWriteResponse, permission: 'points.earn', write: true },
  'points.redeem': { request: RedeemRequest, response: LedgerWriteResponse, permission: 'points.redeem', write: true },
  // Both need a manager's approval bound to the exact payload; asking for one is a cashier's right.
  'points.adjust': {
    request: AdjustRequest,
    response: LedgerWriteResponse,
    permission: 'points.adjust.request',
    write: true,
  },
  'points.reverse': {
    request: ReverseRequest,
    response: LedgerWriteResponse,
    permission: 'points.adjust.request',
    write: true,
  },
  'rewards.list': { request: Empty, response: RewardsResponse, permission: 'members.read' },
  'sync.status': { request: Empty, response: SyncStatus, permission: 'sync.view', passive: true },
  'sync.runNow': { request: Empty, response: SyncStatus, permission: 'sync.run' },
  'sync.dayEnd': { request: Empty, response: DayEndReport, permission: 'sync.run' },
  // Public, like staff.bootstrap, for the first-run screen: the handlers refuse unless this till
  // has no staff yet or a manager is signed in, and only an unpaired till with nothing recorded pairs.
  'sync.probeHq': { request: ProbeHqRequest, response: ProbeHqResponse, permission: 'public' },
  'sync.pair': { request: PairTillRequest, response: PairTillResponse, permission: 'public', write: true },
  /** The store manager's dashboard over the last 7, 14 or 30 local days, from this till's tables. */
  'dashboard.store': { request: StoreDashboardRequest, response: StoreDashboard, permission: 'dashboard.view' },
  /** Detection alerts raised at this till (and HQ's), open first; members as masked labels. */
  'alerts.list': { request: ListAlertsRequest, response: ListAlertsResponse, permission: 'alerts.view' },
  /** The header badge's count, polled: not staff activity. */
  'alerts.openCount': { request: Empty, response: OpenAlertsResponse, permission: 'alerts.view', passive: true },
  'alerts.acknowledge': {
    request: AcknowledgeAlertRequest,
    response: TillAlert,
    permission: 'alerts.view',
    write: true,
  },
  /**
   * A held staff member's manager_pin hold cleared by a store manager's PIN (not their own). Asked
   * from the held staff member's session, like an approval.
   */
  'detection.clearHold': {
    request: ClearHoldRequest,
    response: ClearHoldResponse,
    permission: 'approvals.request',
    write: true,
  },
} as const satisfies Record<Channel, ChannelSpec>;

export type Contract = typeof contract;

/**
 * The business writes. Not writes in this sense: session.login/lock/touch (they open or close the
 * in-memory session; a repeated login is the same login), audit.verify and members.revealContacts
 * (reads that leave an audit entry: each look is recorded, a second look is a second entry),
 * members.exportData (a read that leaves an audit entry here and, through its own request id, one
 * record at HQ; its answer is the member's whole export, which no table of the till may keep),
 * sync.runNow and sync.dayEnd (they ask for a sync run; running it twice pushes nothing twice, the
 * outbox seq and HQ's duplicate check already make that exactly once).
 */
export type WriteChannel = { [C in Channel]: Contract[C] extends { write: true } ? C : never }[Channel];
export const WRITE_CHANNELS = (Object.keys(contract) as Channel[]).filter(
  (channel): channel is WriteChannel => 'write' in contract[channel],
);
export function isWriteChannel(channel: Channel): channel is WriteChannel {
  return 'write' in contract[channel];
}

/** What a caller sends: a write channel's request also carries its client request id. */
/** A channel's request as its schema reads it (a write's without its request id). */
export type RequestBody<C extends Channel> = z.input<Contract[C]['request']>;
export type RequestInput<C extends Channel> = RequestBody<C> &
  (C extends WriteChannel ? { requestId: string } : unknown);
/** What a handler gets: the request without its id (the router keeps that for itself). */
export type RequestData<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseData<C extends Channel> = z.output<Contract[C]['response']>;
