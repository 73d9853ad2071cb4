import { z } from 'zod';
import {
  OPERATOR_ROLES,
  Operation,
  OperatorRole,
  REVEAL_REASONS,
  type Operation as OperationName,
} from '../operators/roles';
import { ERASURE_REASONS, EXPORT_PURPOSES, LEGAL_HOLD_REASONS } from '../../../../src/shared/privacy/requests';
import { MemberExport } from '../../../../src/shared/privacy/member-export';
import { AUDIENCE_FIELDS, AUDIENCE_PURPOSES, AudienceRequest } from '../privacy/audience-purposes';
import { PrivacyPolicy } from '../privacy/policy-schema';
import { CONSENT_PURPOSES } from '../../../../src/shared/consents/purposes';
import { AUDIT_ACTION_GROUP_NAMES, AuditMemberLabel } from '../../../../src/shared/audit/schemas';
import { LANGUAGES } from '../../../../src/shared/i18n/languages';
import { ChainDashboard, ChainDashboardInput } from '../../../../src/shared/dashboard/chain-dashboard';
import { DETECTION_RULES, DetectionPolicy } from '../../../../src/shared/detection/policy';
import { ALERT_ACTIONS, ALERT_REASONS, ALERT_STATUSES } from '../detection/alert-codes';
/** Which resolutions an alert's status still allows: the console offers what HQ accepts. */
export { mayResolve } from '../detection/alert-codes';
import { CLOCK_STATES } from '../incidents/clock';
import { ROLLBACK_CLEAR_REASONS } from '../devices/rollback-codes';
/** The reasons an operator lifts a rolled-back till's refusal with (the devices page offers them). */
export { ROLLBACK_CLEAR_REASONS, type RollbackClearReason } from '../devices/rollback-codes';
/** Why an operator asks a till to rekey its database (the devices page offers them). */
export { HQ_REKEY_REASONS, type HqRekeyReason } from '../../../../src/shared/sync/protocol';
import { HQ_REKEY_REASONS, ROLLBACK_REASONS } from '../../../../src/shared/sync/protocol';
import {
  CONTACT_POINT_MAX,
  DECISION_CODES,
  ENTRY_KINDS,
  ENTRY_TEXT_MAX,
  EXPOSURES,
  EXPOSURE_SOURCES,
  INCIDENT_KINDS,
  TITLE_MAX,
  TOUCH_ACTIONS,
} from '../incidents/codes';

/**
 * The HQ console's API (issue 12): every endpoint, the operation it needs, and the zod schemas of
 * its input and answer. The server registers routes from this list (console/routes.ts) and the
 * console app calls them through it, so the two cannot drift. Pure zod: the browser bundle imports
 * it. Path parameters, the query string (GET) and the JSON body (POST/PUT) make one input object.
 * Member contacts never travel in a URL: searches are POSTs.
 */

export const CONSOLE_API_PREFIX = '/console/api';
/** The session cookie: __Host- makes the browser refuse it unless Secure, Path=/ and host-only. */
export const SESSION_COOKIE = '__Host-ldhq_session';
/** Every state-changing request carries the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';

/** A write's idempotency key: a retried request with the same id is answered, not done twice. */
const requestId = z.uuid();
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);
const iso = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

export const CONSOLE_ERROR_CODES = [
  'bad_request',
  /** No session, or it expired (idle or absolute), or a bad or expired API token. */
  'unauthorized',
  /** The request's CSRF token or Origin does not match the session. */
  'csrf_failed',
  /** The operator's roles (or the API token's) do not allow this operation. */
  'forbidden',
  'not_found',
  'login_failed',
  'too_many_requests',
  'enrolment_invalid',
  'password_refused',
  'totp_invalid',
  /** A sensitive operation: a second operator must approve it first (`approvalId` in the answer). */
  'approval_required',
  'approval_not_found',
  'approval_expired',
  'approval_self',
  'approval_already_decided',
  'approval_not_approved',
  'approval_used',
  'approval_mismatch',
  /** Another operator changed it first (catalog version). */
  'conflict',
  'invalid_argument',
  'invalid_catalog',
  'store_not_found',
  'device_not_found',
  'staff_not_found',
  'member_not_found',
  /** The member was erased: HQ holds nothing to export or hold. */
  'member_erased',
  'operator_not_found',
  /** An operator cannot change their own roles or status. */
  'self_change',
  /** Passkeys need the console opened by a host name: WebAuthn refuses an IP address as RP ID. */
  'passkey_unavailable',
  /** The authenticator's answer to a passkey registration did not verify (wrong challenge, origin…). */
  'passkey_invalid',
  /**
   * A double opt-in link that cannot confirm anything: malformed, unknown, expired, replaced by a
   * later one, already used, or its consent withdrawn. One code for all, so it tells a guesser nothing.
   */
  'confirmation_invalid',
  'payload_too_large',
  'unsupported_media_type',
  'internal_error',
] as const;
export const ConsoleErrorCode = z.enum(CONSOLE_ERROR_CODES);
export type ConsoleErrorCode = z.infer<typeof ConsoleErrorCode>;

/** Every refusal: the till's shape ({code, message, issues}) plus what some refusals need. */
export const ConsoleError = z.strictObject({
  code: ConsoleErrorCode,
  message: z.string().max(300),
  issues: z
    .array(z.strictObject({ path: z.string().max(200), code: z.string().max(60) }))
    .max(50)
    .optional(),
  /** approval_required: the approval request just made, for a second operator. */
  approvalId: z.string().max(128).optional(),
  /** password_refused: why. */
  reasons: z.array(z.string().max(40)).max(10).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});
export type ConsoleError = z.infer<typeof ConsoleError>;

export const SessionInfo = z.strictObject({
  operator: z.strictObject({ id, email: z.string(), displayName: z.string(), roles: z.array(OperatorRole) }),
  /** The operations the roles allow: the console shows what may be done, the server decides. */
  operations: z.array(Operation),
  csrfToken: z.string(),
  idleExpiresAt: iso,
  absoluteExpiresAt: iso,
  recoveryCodesLeft: count,
});
export type SessionInfo = z.infer<typeof SessionInfo>;

const StoreRow = z.strictObject({
  storeId: id,
  name: z.string(),
  createdAt: iso,
  devices: count,
  activeDevices: count,
  lastContactAt: iso.nullable(),
  policy: z.strictObject({
    maxAdjustPoints: z.number().int(),
    graceDays: z.number().int(),
    secondApproverAbovePoints: z.number().int(),
  }),
});

const DeviceRow = z.strictObject({
  deviceId: id,
  storeId: id,
  storeName: z.string(),
  name: z.string(),
  pairedAt: iso,
  lastContactAt: iso.nullable(),
  lastSeq: count,
  appVersion: z.string().nullable(),
  revokedAt: iso.nullable(),
  /** Refused as restored from an old copy (devices/rollback.ts): why, when, and HQ's figures. */
  rolledBack: z
    .strictObject({
      reason: z.enum(ROLLBACK_REASONS),
      detectedAt: iso,
      hqLastSeq: count,
      hqAuditSeq: count,
    })
    .nullable(),
  /** The latest rekey request (devices/rekey.ts): open until the till says it rekeyed. */
  rekey: z.strictObject({ reason: z.enum(HQ_REKEY_REASONS), requestedAt: iso, doneAt: iso.nullable() }).nullable(),
});

const StaffRow = z.strictObject({
  staffId: id,
  storeId: id.nullable(),
  displayName: z.string(),
  role: z.enum(['cashier', 'manager']),
  status: z.enum(['active', 'inactive']),
  mustChangePin: z.boolean(),
  version: z.number().int(),
});

const TemporaryPin = z.strictObject({ staffId: id, temporaryPin: z.string() });

const Reward = z.strictObject({
  id: z.string(),
  name: z.strictObject({ en: z.string(), ru: z.string() }),
  costPoints: z.number().int(),
  active: z.boolean(),
  sort: z.number().int(),
});

const MaskedMember = z.strictObject({
  memberId: id,
  /** e.g. "•••• 4821" */
  cardMasked: z.string().nullable(),
  /** Initials only, e.g. "A. P." */
  initials: z.string(),
  phoneMasked: z.string().nullable(),
  emailMasked: z.string().nullable(),
  homeStoreId: id,
  points: z.number().int(),
  tier: z.string(),
  enrolledAt: iso,
  erasedAt: iso.nullable(),
});

const RevealedMember = z.strictObject({
  memberId: id,
  cardNumber: z.string().nullable(),
  givenName: z.string(),
  familyName: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  birthDate: z.string().nullable(),
});

const AuditEntry = z.strictObject({
  seq: z.number().int(),
  at: iso,
  operatorId: z.string().nullable(),
  /** The operator's display name now (not part of the chained entry: the chain holds ids only). */
  operatorName: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  hash: z.string(),
});

/** One entry of a till's audit chain as HQ holds it (till_audit), with where it came from. */
const TillAuditEntry = z.strictObject({
  deviceId: z.string(),
  storeId: z.string(),
  seq: z.number().int(),
  at: iso,
  staffId: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

const Approval = z.strictObject({
  approvalId: id,
  operation: Operation,
  requestedBy: id,
  requestedByName: z.string(),
  payload: z.record(z.string(), z.unknown()),
  requestedAt: iso,
  expiresAt: iso,
  approvedBy: id.nullable(),
  approvedAt: iso.nullable(),
  usedAt: iso.nullable(),
});

const OperatorRow = z.strictObject({
  operatorId: id,
  email: z.string(),
  displayName: z.string(),
  status: z.enum(['active', 'disabled']),
  roles: z.array(OperatorRole),
  enrolled: z.boolean(),
  locked: z.boolean(),
  createdAt: iso,
});

const ApiTokenRow = z.strictObject({
  tokenId: id,
  label: z.string().nullable(),
  roles: z.array(OperatorRole),
  createdAt: iso,
  expiresAt: iso,
  revokedAt: iso.nullable(),
  lastUsedAt: iso.nullable(),
});

const Ok = z.strictObject({ ok: z.literal(true) });

/** WebAuthn binary fields as @simplewebauthn/browser sends them: base64url text. */
const b64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .min(1)
    .max(max);
const credentialId = b64url(1400);
/** Options for navigator.credentials.create/get, in @simplewebauthn's JSON form. */
const WebAuthnOptions = z.record(z.string(), z.unknown());
const clientExtensionResults = z.record(z.string(), z.unknown());
const authenticatorAttachment = z.enum(['platform', 'cross-platform']).optional();

/** A new passkey as startRegistration() returns it (attestation 'none'). */
const PasskeyRegistration = z.strictObject({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096),
    attestationObject: b64url(16384),
    authenticatorData: b64url(16384).optional(),
    transports: z.array(z.string().max(20)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(4096).optional(),
  }),
  authenticatorAttachment,
  clientExtensionResults,
});

/** A passkey's signature as startAuthentication() returns it. */
const PasskeyAssertion = z.strictObject({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096),
    authenticatorData: b64url(4096),
    signature: b64url(1024),
    userHandle: b64url(256).optional(),
  }),
  authenticatorAttachment,
  clientExtensionResults,
});

const PasskeyRow = z.strictObject({ passkeyId: id, label: z.string(), createdAt: iso, lastUsedAt: iso.nullable() });

/** The sensitive operations take an approvalId once a second operator has approved. */
const approvalId = id.optional();

/**
 * A double opt-in link's token (privacy/consent-confirmation.ts): base64url of the confirmation id
 * and expiry (24 bytes), '.', base64url of their HMAC-SHA256 (32 bytes).
 */
export const CONFIRMATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/;

/** One e-mail for the mail service to send: to whom, in which language, with which link. */
const PendingConfirmation = z.strictObject({
  confirmationId: z.uuid(),
  to: z.string().max(254),
  language: z.enum(LANGUAGES),
  /** The console page, with the token in the fragment (never sent to a server, so never in a log). */
  confirmUrl: z.string().max(500),
  expiresAt: iso,
});

// --- the breach register (issue 14) ---------------------------------------------------------------
const exposureCounts = z.strictObject({ masked: count, full_contacts: count, revealed: count, touched: count });

const IncidentSummary = z.strictObject({
  incidentId: z.uuid(),
  kind: z.enum(INCIDENT_KINDS),
  title: z.string(),
  status: z.enum(['open', 'closed']),
  awareAt: iso,
  openedAt: iso,
  openedBy: z.string(),
  storeId: id.nullable(),
  deviceId: id.nullable(),
  staffId: id.nullable(),
  windowStart: iso.nullable(),
  windowEnd: iso.nullable(),
  regulatorNotifiedAt: iso.nullable(),
  regulatorReference: z.string().nullable(),
  membersNotifiedAt: iso.nullable(),
  closedAt: iso.nullable(),
  version: z.number().int().min(1),
  /** HQ's 72-hour clock (incidents/clock.ts), computed at serverNow. */
  clock: z.strictObject({ state: z.enum(CLOCK_STATES), deadlineAt: iso, msLeft: z.number().int() }),
  exposure: exposureCounts,
});

const IncidentEntry = z.strictObject({
  entryId: z.uuid(),
  kind: z.enum(ENTRY_KINDS),
  code: z.string().nullable(),
  text: z.string(),
  at: iso,
  operatorId: z.string().nullable(),
});

/** The named till of a lost or stolen till incident, as HQ knows it. */
const IncidentTill = z.strictObject({
  deviceId: id,
  name: z.string(),
  storeId: id,
  pairedAt: iso,
  revokedAt: iso.nullable(),
  lastSeq: count,
  lastContactAt: iso.nullable(),
  dayEnd: z
    .strictObject({
      receivedAt: iso,
      toSeq: count,
      counts: z.record(z.string(), count),
      opsNotReceived: count,
    })
    .nullable(),
});

const incidentChange = { requestId, incidentId: z.uuid(), baseVersion: z.number().int().min(1) };
const entryText = z.string().trim().min(1).max(ENTRY_TEXT_MAX);
const incidentVersion = z.strictObject({ version: z.number().int().min(1) });

export interface ConsoleEndpoint<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT';
  /** Under CONSOLE_API_PREFIX; `:name` segments are path parameters, part of the input. */
  path: string;
  /**
   * public: no session (login, enrolment); session: a signed-in operator, any role, console only
   * (not an API token); an Operation: a session or an API token whose roles allow it.
   */
  access: 'public' | 'session' | OperationName;
  input: I;
  output: O;
  /** The answer holds a secret shown once (a PIN, a pairing code, a token): a retry gets it redacted. */
  showsSecretOnce?: true;
}

function endpoint<I extends z.ZodType, O extends z.ZodType>(e: ConsoleEndpoint<I, O>): ConsoleEndpoint<I, O> {
  return e;
}

const storeFilter = z.strictObject({ storeId: id.optional() });

// --- detection alerts (issue 14) ------------------------------------------------------------------
/** A member an alert names, as the console shows them: initials and the card's last digits, never a contact. */
const AlertMember = z.strictObject({ memberId: id, label: z.string().nullable(), erased: z.boolean() });

const AlertRow = z.strictObject({
  alertId: z.uuid(),
  storeId: id,
  storeName: z.string(),
  /** The till that raised it (source 'till'); null for HQ's own. */
  deviceId: id.nullable(),
  deviceName: z.string().nullable(),
  source: z.enum(['till', 'hq']),
  rule: z.enum(DETECTION_RULES),
  staffId: z.string(),
  /** From HQ's roster; null when HQ does not know the id. */
  staffName: z.string().nullable(),
  mode: z.enum(['notify', 'enforce']),
  raisedAt: iso,
  windowStart: iso,
  windowEnd: iso,
  count,
  threshold: count,
  members: z.array(AlertMember),
  /** A till's alert: whether HQ reproduced it from the uploaded entries; null for HQ's own. */
  hqConfirmed: z.boolean().nullable(),
  status: z.enum(ALERT_STATUSES),
  resolvedBy: z.string().nullable(),
  resolvedAt: iso.nullable(),
  resolutionCode: z.string().nullable(),
});

/** A till's upload HQ refused as a fork or a rewritten entry (nothing of it stored). */
const ChainRefusalRow = z.strictObject({
  deviceId: id,
  deviceName: z.string(),
  storeId: id,
  reason: z.enum(['fork', 'rewritten']),
  atSeq: count,
  firstAt: iso,
  lastAt: iso,
  attempts: count,
});

const ALERTS_PAGE_SIZE = 100;

export const CONSOLE_ENDPOINTS = {
  // --- identity -------------------------------------------------------------------------------
  login: endpoint({
    method: 'POST',
    path: '/login',
    access: 'public',
    input: z.strictObject({
      email: z.string().max(254),
      password: z.string().max(1024),
      /** A 6-digit TOTP code or a recovery code. */
      secondFactor: z.string().max(40),
    }),
    output: SessionInfo,
  }),
  logout: endpoint({ method: 'POST', path: '/logout', access: 'session', input: z.strictObject({}), output: Ok }),
  session: endpoint({
    method: 'GET',
    path: '/session',
    access: 'session',
    input: z.strictObject({}),
    output: SessionInfo,
  }),
  /** Options for signing in with a passkey: the same shape whether or not `email` has one. */
  passkeyLoginOptions: endpoint({
    method: 'POST',
    path: '/login/passkey-options',
    access: 'public',
    input: z.strictObject({ email: z.string().max(254) }),
    output: z.strictObject({ options: WebAuthnOptions }),
  }),
  /** Password AND passkey: the passkey stands in for the TOTP code, never for the password. */
  loginWithPasskey: endpoint({
    method: 'POST',
    path: '/login/passkey',
    access: 'public',
    input: z.strictObject({
      email: z.string().max(254),
      password: z.string().max(1024),
      assertion: PasskeyAssertion,
    }),
    output: SessionInfo,
  }),
  openEnrolment: endpoint({
    method: 'POST',
    path: '/enrolment/open',
    access: 'public',
    input: z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
    output: z.strictObject({
      email: z.string(),
      displayName: z.string(),
      totpSecret: z.string(),
      totpUri: z.string(),
      expiresAt: iso,
    }),
  }),
  completeEnrolment: endpoint({
    method: 'POST',
    path: '/enrolment/complete',
    access: 'public',
    input: z.strictObject({
      token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      password: z.string().max(1024),
      totpCode: z.string().regex(/^\d{6}$/),
    }),
    output: z.strictObject({ recoveryCodes: z.array(z.string()) }),
    showsSecretOnce: true,
  }),

  // --- stores and policy ----------------------------------------------------------------------
  listStores: endpoint({
    method: 'GET',
    path: '/stores',
    access: 'stores.read',
    input: z.strictObject({}),
    output: z.strictObject({ stores: z.array(StoreRow) }),
  }),
  createStore: endpoint({
    method: 'POST',
    path: '/stores',
    access: 'stores.create',
    input: z.strictObject({ requestId, name: z.string().max(200) }),
    output: z.strictObject({ storeId: id }),
  }),
  setStorePolicy: endpoint({
    method: 'PUT',
    path: '/stores/:storeId/policy',
    access: 'policies.edit',
    input: z.strictObject({
      requestId,
      storeId: id,
      maxAdjustPoints: z.number().int(),
      graceDays: z.number().int(),
      secondApproverAbovePoints: z.number().int(),
    }),
    output: Ok,
  }),

  // --- devices --------------------------------------------------------------------------------
  listDevices: endpoint({
    method: 'GET',
    path: '/devices',
    access: 'devices.read',
    input: storeFilter,
    output: z.strictObject({ devices: z.array(DeviceRow) }),
  }),
  issuePairingCode: endpoint({
    method: 'POST',
    path: '/stores/:storeId/pairing-codes',
    access: 'devices.issue_pairing_code',
    input: z.strictObject({ requestId, storeId: id }),
    output: z.strictObject({ pairingCode: z.string(), expiresAt: iso, hqCertSha256: z.string() }),
    showsSecretOnce: true,
  }),
  revokeDevice: endpoint({
    method: 'POST',
    path: '/devices/:deviceId/revoke',
    access: 'devices.revoke',
    input: z.strictObject({ requestId, deviceId: id, approvalId }),
    output: z.strictObject({ revokedAt: iso }),
  }),
  /**
   * Lifts a rolled-back till's refusal (issue 15) with a reason code. HQ's figures stay: a till
   * still behind them is refused again at its next contact (then revoke and pair it anew).
   */
  clearDeviceRollback: endpoint({
    method: 'POST',
    path: '/devices/:deviceId/clear-rollback',
    access: 'devices.clear_rollback',
    input: z.strictObject({ requestId, deviceId: id, reasonCode: z.enum(ROLLBACK_CLEAR_REASONS) }),
    output: z.strictObject({ clearedAt: iso }),
  }),
  /**
   * Asks a till to re-encrypt its database under a new key (issue 15) at its next contact; asking
   * again while a request is open answers that request. Not for a lost till: revoke it.
   */
  requestDeviceRekey: endpoint({
    method: 'POST',
    path: '/devices/:deviceId/rekey',
    access: 'devices.request_rekey',
    input: z.strictObject({ requestId, deviceId: id, reasonCode: z.enum(HQ_REKEY_REASONS) }),
    output: z.strictObject({ rekeyId: id, requestedAt: iso }),
  }),

  // --- staff ----------------------------------------------------------------------------------
  listStaff: endpoint({
    method: 'GET',
    path: '/staff',
    access: 'staff.read',
    input: storeFilter,
    output: z.strictObject({ staff: z.array(StaffRow) }),
  }),
  addStaff: endpoint({
    method: 'POST',
    path: '/staff',
    access: 'staff.add',
    input: z.strictObject({
      requestId,
      storeId: id.nullable(),
      displayName: z.string().max(200),
      role: z.enum(['cashier', 'manager']),
    }),
    output: TemporaryPin,
    showsSecretOnce: true,
  }),
  setStaffStatus: endpoint({
    method: 'POST',
    path: '/staff/:staffId/status',
    access: 'staff.set_status',
    input: z.strictObject({ requestId, staffId: id, status: z.enum(['active', 'inactive']) }),
    output: z.strictObject({ status: z.enum(['active', 'inactive']), version: z.number().int(), changed: z.boolean() }),
  }),
  resetStaffPin: endpoint({
    method: 'POST',
    path: '/staff/:staffId/reset-pin',
    access: 'staff.reset_pin',
    input: z.strictObject({ requestId, staffId: id }),
    output: TemporaryPin,
    showsSecretOnce: true,
  }),

  // --- catalogue ------------------------------------------------------------------------------
  getCatalog: endpoint({
    method: 'GET',
    path: '/catalog',
    access: 'catalog.read',
    input: z.strictObject({}),
    output: z.strictObject({
      version: count,
      /** The catalogue as load-catalog takes it (rewards, earn rules, settings, policy). */
      catalog: z.record(z.string(), z.unknown()),
      rewards: z.array(Reward),
      history: z.array(z.strictObject({ version: count, loadedAt: iso, operatorId: z.string().nullable() })),
    }),
  }),
  saveCatalog: endpoint({
    method: 'PUT',
    path: '/catalog',
    access: 'catalog.edit',
    input: z.strictObject({ requestId, baseVersion: count, catalog: z.unknown() }),
    output: z.strictObject({
      version: count,
      rewardsAdded: count,
      rewardsChanged: count,
      rewardsDeactivated: count,
      storesChanged: count,
    }),
  }),

  // --- review ---------------------------------------------------------------------------------
  listOverdrafts: endpoint({
    method: 'GET',
    path: '/overdrafts',
    access: 'overdrafts.list',
    input: storeFilter,
    output: z.strictObject({ rows: z.array(z.record(z.string(), z.unknown())) }),
  }),
  listRejected: endpoint({
    method: 'GET',
    path: '/rejected',
    access: 'rejected.list',
    input: z.strictObject({ storeId: id.optional(), deviceId: id.optional() }),
    output: z.strictObject({ rows: z.array(z.record(z.string(), z.unknown())) }),
  }),
  listFlagged: endpoint({
    method: 'GET',
    path: '/flagged',
    access: 'flagged.list',
    input: z.strictObject({ storeId: id.optional(), reason: z.string().max(40).optional() }),
    output: z.strictObject({ rows: z.array(z.record(z.string(), z.unknown())) }),
  }),
  resolveReview: endpoint({
    method: 'POST',
    path: '/reviews',
    access: 'reviews.resolve',
    input: z.strictObject({
      requestId,
      kind: z.enum(['overdraft', 'rejected', 'flagged']),
      /** The op id the row is about. */
      opId: z.uuid(),
      resolution: z.enum(['made_good', 'written_off', 'till_fixed', 'no_action_needed']),
    }),
    output: z.strictObject({ resolvedAt: iso }),
  }),
  dayEndReports: endpoint({
    method: 'GET',
    path: '/reports/day-end',
    access: 'reports.read',
    input: storeFilter,
    output: z.strictObject({
      reports: z.array(
        z.strictObject({
          dayEndId: z.string(),
          storeId: id,
          storeName: z.string(),
          deviceId: id,
          status: z.enum(['reconciled', 'mismatch']),
          problems: z.array(z.string()),
          fromSeq: count,
          toSeq: count,
          overdrafts: count,
          pointsEarned: z.number().int(),
          pointsSpent: z.number().int(),
          auditHead: z.strictObject({ seq: count, hash: z.string() }),
          receivedAt: iso,
        }),
      ),
    }),
  }),

  // --- members (privacy officer) --------------------------------------------------------------
  searchMembers: endpoint({
    method: 'POST',
    path: '/members/search',
    access: 'member.search',
    input: z.strictObject({ by: z.enum(['card', 'phone', 'email']), value: z.string().min(1).max(254) }),
    output: z.strictObject({ members: z.array(MaskedMember) }),
  }),
  revealMember: endpoint({
    method: 'POST',
    path: '/members/:memberId/reveal',
    access: 'member.reveal',
    input: z.strictObject({
      memberId: id,
      reason: z.enum(REVEAL_REASONS),
      reference: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
        .optional(),
    }),
    output: RevealedMember,
  }),
  eraseMember: endpoint({
    method: 'POST',
    path: '/members/:memberId/erase',
    access: 'member.erase',
    input: z.strictObject({ requestId, memberId: id, reasonCode: z.enum(ERASURE_REASONS), approvalId }),
    output: z.strictObject({
      status: z.enum(['erased', 'pending', 'already_erased']),
      erasureRequestId: z.string().nullable(),
      dueAt: iso.nullable(),
      erasedAt: iso.nullable(),
      legalHold: z.boolean(),
      opsScrubbed: count,
    }),
  }),

  // --- privacy (issue 13) ----------------------------------------------------------------------
  getPrivacyOverview: endpoint({
    method: 'GET',
    path: '/privacy',
    access: 'privacy.read',
    input: z.strictObject({ horizonDays: z.coerce.number().int().min(0).max(365).optional() }),
    output: z.strictObject({
      policy: PrivacyPolicy.extend({ version: z.number().int().min(1), updatedAt: iso.nullable() }),
      preview: z.strictObject({
        horizonDays: count,
        inactiveMembers: count,
        erasuresDue: count,
        exportsExpiring: count,
        auditEntries: count,
        tillAuditEntries: count,
        legalHolds: count,
      }),
      pendingErasures: z.array(
        z.strictObject({
          erasureRequestId: z.string(),
          memberId: id,
          source: z.enum(['till', 'console', 'retention']),
          reasonCode: z.string(),
          storeId: z.string().nullable(),
          requestedAt: iso,
          dueAt: iso,
          legalHold: z.string().nullable(),
        }),
      ),
      completedErasures: count,
      legalHolds: z.array(z.strictObject({ memberId: id, reason: z.string(), since: iso })),
    }),
  }),
  savePrivacyPolicy: endpoint({
    method: 'PUT',
    path: '/privacy/policy',
    access: 'privacy.policy_edit',
    input: z.strictObject({ requestId, baseVersion: z.number().int().min(1), policy: PrivacyPolicy }),
    output: z.strictObject({ version: z.number().int().min(1) }),
  }),
  setLegalHold: endpoint({
    method: 'POST',
    path: '/members/:memberId/legal-hold',
    access: 'member.legal_hold',
    input: z.strictObject({ requestId, memberId: id, reason: z.enum(LEGAL_HOLD_REASONS).nullable() }),
    output: z.strictObject({ memberId: id, legalHold: z.enum(LEGAL_HOLD_REASONS).nullable() }),
  }),
  exportMember: endpoint({
    method: 'POST',
    path: '/members/:memberId/export',
    access: 'member.data_request',
    input: z.strictObject({
      requestId,
      memberId: id,
      purpose: z.enum(EXPORT_PURPOSES),
      language: z.enum(LANGUAGES).optional(),
    }),
    // A retry gets the record without the document (it is shown once; HQ keeps it until it expires).
    output: z.strictObject({ exportId: z.uuid(), expiresAt: iso, document: MemberExport.nullable() }),
    showsSecretOnce: true,
  }),
  exportAudience: endpoint({
    method: 'POST',
    path: '/audiences',
    access: 'audience.export',
    input: AudienceRequest.extend({ requestId, approvalId }),
    output: z.strictObject({
      disclosureId: z.uuid(),
      purpose: z.enum(AUDIENCE_PURPOSES),
      recipient: z.string(),
      fields: z.array(z.enum(AUDIENCE_FIELDS)),
      pseudonymised: z.boolean(),
      memberCount: count,
      // A retry gets the record with no rows: the list left HQ once.
      rows: z.array(z.object({ memberRef: z.string() }).catchall(z.union([z.string(), z.number(), z.null()]))),
    }),
    showsSecretOnce: true,
  }),
  listDisclosures: endpoint({
    method: 'GET',
    path: '/disclosures',
    access: 'privacy.read',
    input: z.strictObject({}),
    output: z.strictObject({
      disclosures: z.array(
        z.strictObject({
          disclosureId: z.uuid(),
          recipient: z.string(),
          purpose: z.string(),
          fields: z.array(z.string()),
          pseudonymised: z.boolean(),
          memberCount: count,
          operatorId: z.string(),
          disclosedAt: iso,
        }),
      ),
    }),
  }),

  // --- breach register (issue 14) ------------------------------------------------------------
  /** Open incidents first, each with HQ's clock; serverNow lets the console count down in HQ's time. */
  listIncidents: endpoint({
    method: 'GET',
    path: '/incidents',
    access: 'incidents.read',
    input: z.strictObject({}),
    output: z.strictObject({ serverNow: iso, incidents: z.array(IncidentSummary) }),
  }),
  getIncident: endpoint({
    method: 'GET',
    // The id in the query, not the path: a GET path segment of "." or ".." would leave the API's
    // routes for the console's static files once the URL is normalised.
    path: '/incidents/detail',
    access: 'incidents.read',
    input: z.strictObject({ incidentId: z.uuid() }),
    output: z.strictObject({
      serverNow: iso,
      incident: IncidentSummary,
      entries: z.array(IncidentEntry),
      till: IncidentTill.nullable(),
    }),
  }),
  /** What an incident can name: the chain's tills and staff (the officer holds no devices.read or staff.read). */
  listIncidentSubjects: endpoint({
    method: 'GET',
    path: '/incidents/subjects',
    access: 'incidents.edit',
    input: z.strictObject({}),
    output: z.strictObject({
      /** The report form's "now" (awareness, the window's end) is HQ's, not the browser's. */
      serverNow: iso,
      tills: z.array(
        z.strictObject({
          deviceId: id,
          name: z.string(),
          storeId: id,
          storeName: z.string(),
          revokedAt: iso.nullable(),
        }),
      ),
      staff: z.array(z.strictObject({ staffId: id, displayName: z.string(), storeId: id.nullable() })),
    }),
  }),
  openIncident: endpoint({
    method: 'POST',
    path: '/incidents',
    access: 'incidents.edit',
    input: z.strictObject({
      requestId,
      kind: z.enum(INCIDENT_KINDS),
      title: z.string().trim().min(1).max(TITLE_MAX),
      /** When HQ became aware; now when absent; never in the future. */
      awareAt: iso.optional(),
      storeId: id.optional(),
      deviceId: id.optional(),
      staffId: id.optional(),
      windowStart: iso.optional(),
      windowEnd: iso.optional(),
    }),
    output: z.strictObject({ incidentId: z.uuid(), version: z.number().int().min(1) }),
  }),
  /** An assessment note, or a decision with its code (not_notifiable: Art. 33(1), stops the clock). */
  addIncidentEntry: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/entries',
    access: 'incidents.edit',
    input: z.strictObject({
      ...incidentChange,
      kind: z.enum(['assessment', 'decision']),
      code: z.enum(DECISION_CODES).optional(),
      text: entryText,
    }),
    output: z.strictObject({ entryId: z.uuid(), version: z.number().int().min(1) }),
  }),
  recordRegulatorNotification: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/regulator-notification',
    access: 'incidents.edit',
    input: z.strictObject({
      ...incidentChange,
      /** When the regulator was told; HQ's now when absent; never before awareness or in the future. */
      notifiedAt: iso.optional(),
      reference: z.string().regex(/^[A-Za-z0-9_.:/-]{1,64}$/),
    }),
    output: incidentVersion,
  }),
  recordMembersNotification: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/members-notification',
    access: 'incidents.edit',
    input: z.strictObject({ ...incidentChange, notifiedAt: iso.optional() }),
    output: incidentVersion,
  }),
  closeIncident: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/close',
    access: 'incidents.edit',
    input: z.strictObject({ ...incidentChange, text: entryText }),
    output: incidentVersion,
  }),
  /**
   * Revokes the till the incident names (a lost or stolen till), as revokeDevice does: the first
   * call answers approval_required, a second operator approves, the same call with approvalId revokes.
   */
  revokeIncidentTill: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/revoke-till',
    access: 'incidents.revoke_till',
    input: z.strictObject({ requestId, incidentId: z.uuid(), approvalId }),
    output: z.strictObject({ deviceId: id, revokedAt: iso }),
  }),
  /**
   * Computes and keeps the incident's exposed members: a lost or stolen till's (masked,
   * full_contacts, revealed), or a staff member's touched members; replaces an earlier computation.
   */
  computeIncidentExposure: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/exposure',
    access: 'incidents.edit',
    input: z.strictObject(incidentChange),
    output: z.strictObject({ version: z.number().int().min(1), exposure: exposureCounts, unresolved: count }),
  }),
  /** The computed members, masked, strongest exposure first; for staff misuse what was done to each. */
  listIncidentMembers: endpoint({
    method: 'GET',
    path: '/incidents/members',
    access: 'incidents.members',
    input: z.strictObject({
      incidentId: z.uuid(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    output: z.strictObject({
      members: z.array(
        z.strictObject({
          memberId: id,
          exposure: z.enum(EXPOSURES),
          cardMasked: z.string().nullable(),
          initials: z.string(),
          phoneMasked: z.string().nullable(),
          emailMasked: z.string().nullable(),
          homeStoreId: id,
          erased: z.boolean(),
        }),
      ),
      /** Why each lost-till member is in its form (recomputed now from HQ's records). */
      sources: z.record(z.string(), z.array(z.enum(EXPOSURE_SOURCES))),
      touched: z.array(
        z.strictObject({
          memberId: id,
          erased: z.boolean(),
          actions: z.strictObject(
            Object.fromEntries(TOUCH_ACTIONS.map((action) => [action, count])) as {
              [K in (typeof TOUCH_ACTIONS)[number]]: typeof count;
            },
          ),
          devices: z.array(id),
          firstAt: iso,
          lastAt: iso,
        }),
      ),
    }),
  }),
  /**
   * The members' notification list (Art. 34): contacts, language and each member's notice text.
   * Recorded as a disclosure (purpose breach_notification); a retry gets the record without rows.
   */
  incidentNotificationList: endpoint({
    method: 'POST',
    path: '/incidents/:incidentId/notification-list',
    access: 'incidents.notification_list',
    input: z.strictObject({
      requestId,
      incidentId: z.uuid(),
      exposures: z.array(z.enum(EXPOSURES)).min(1).max(EXPOSURES.length),
      contactPoint: z.string().trim().min(3).max(CONTACT_POINT_MAX),
    }),
    output: z.strictObject({
      disclosureId: z.uuid(),
      erasedExcluded: count,
      withoutContact: count,
      rows: z.array(
        z.strictObject({
          memberId: id,
          cardMasked: z.string().nullable(),
          name: z.string(),
          channel: z.enum(['email', 'phone']).nullable(),
          contact: z.string().nullable(),
          language: z.enum(LANGUAGES),
          exposure: z.enum(EXPOSURES),
          subject: z.string(),
          notice: z.string(),
        }),
      ),
    }),
    showsSecretOnce: true,
  }),

  // --- detection (issue 14) -------------------------------------------------------------------
  getDetectionPolicy: endpoint({
    method: 'GET',
    // The id in the query, not the path: a GET path segment of "." or ".." would leave the API's
    // routes for the console's static files once the URL is normalised.
    path: '/detection-policy',
    access: 'detection.policy_read',
    input: z.strictObject({ storeId: id }),
    output: z.strictObject({
      storeId: id,
      policy: DetectionPolicy,
      /** 0 while the store runs the default policy. */
      version: count,
      updatedAt: iso.nullable(),
    }),
  }),
  saveDetectionPolicy: endpoint({
    method: 'PUT',
    path: '/stores/:storeId/detection-policy',
    access: 'detection.policy_edit',
    input: z.strictObject({ requestId, storeId: id, baseVersion: count, policy: DetectionPolicy }),
    output: z.strictObject({ version: z.number().int().min(1) }),
  }),
  listAlerts: endpoint({
    method: 'GET',
    path: '/alerts',
    access: 'alerts.read',
    input: z.strictObject({
      storeId: id.optional(),
      rule: z.enum(DETECTION_RULES).optional(),
      status: z.enum(ALERT_STATUSES).optional(),
      staffId: id.optional(),
      /** Raised at or after / before these instants. */
      from: iso.optional(),
      to: iso.optional(),
      offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
      limit: z.coerce.number().int().min(1).max(ALERTS_PAGE_SIZE).optional(),
    }),
    output: z.strictObject({
      alerts: z.array(AlertRow).max(ALERTS_PAGE_SIZE),
      /** How many match the filters (all pages). */
      total: count,
      chainRefusals: z.array(ChainRefusalRow).max(100),
    }),
  }),
  resolveAlert: endpoint({
    method: 'POST',
    path: '/alerts/:alertId/resolve',
    access: 'alerts.resolve',
    input: z.strictObject({
      requestId,
      alertId: z.uuid(),
      action: z.enum(ALERT_ACTIONS),
      reasonCode: z.enum(ALERT_REASONS),
    }),
    output: z.strictObject({ alertId: z.uuid(), status: z.enum(ALERT_STATUSES), resolvedAt: iso }),
  }),

  // --- audit ----------------------------------------------------------------------------------
  listAudit: endpoint({
    method: 'GET',
    path: '/audit',
    access: 'audit.read',
    input: z.strictObject({
      beforeSeq: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
      /** Filters (issue 14): one operator, actions starting with a prefix ("member.", "operator."), a time range. */
      operatorId: id.optional(),
      actionPrefix: z
        .string()
        .regex(/^[a-z_]{1,40}\.$/)
        .optional(),
      from: iso.optional(),
      to: iso.optional(),
    }),
    output: z.strictObject({ entries: z.array(AuditEntry), head: z.strictObject({ seq: count, hash: z.string() }) }),
  }),
  verifyAudit: endpoint({
    method: 'POST',
    path: '/audit/verify',
    access: 'audit.read',
    input: z.strictObject({}),
    output: z.strictObject({
      ok: z.boolean(),
      entries: count,
      firstBadSeq: z.number().int().nullable(),
      headHash: z.string(),
    }),
  }),
  /**
   * The tills' audit entries HQ holds (till_audit), newest first, filtered by store, till, staff
   * member, action group and time; with the names they need: staff from HQ's roster, members
   * masked, stores and tills by name, and the filters' choices.
   */
  listTillAudit: endpoint({
    method: 'GET',
    path: '/audit/tills',
    access: 'audit.read',
    input: z.strictObject({
      storeId: id.optional(),
      deviceId: id.optional(),
      staffId: id.optional(),
      group: z.enum(AUDIT_ACTION_GROUP_NAMES).optional(),
      from: iso.optional(),
      to: iso.optional(),
      offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
    }),
    output: z.strictObject({
      entries: z.array(TillAuditEntry),
      hasMore: z.boolean(),
      staff: z.record(z.string(), z.string()),
      members: z.record(z.string(), AuditMemberLabel),
      stores: z.array(z.strictObject({ storeId: z.string(), name: z.string() })),
      devices: z.array(z.strictObject({ deviceId: z.string(), storeId: z.string(), name: z.string() })),
    }),
  }),
  tillAuditHeads: endpoint({
    method: 'GET',
    path: '/audit/till-heads',
    access: 'audit.read',
    input: z.strictObject({}),
    output: z.strictObject({
      heads: z.array(
        z.strictObject({
          deviceId: id,
          storeId: id,
          storeName: z.string(),
          seq: count,
          hash: z.string(),
          receivedAt: iso,
          wentBack: z.boolean(),
        }),
      ),
    }),
  }),

  // --- operators, roles, approvals, tokens ----------------------------------------------------
  listOperators: endpoint({
    method: 'GET',
    path: '/operators',
    access: 'operators.manage',
    input: z.strictObject({}),
    output: z.strictObject({ operators: z.array(OperatorRow) }),
  }),
  createOperator: endpoint({
    method: 'POST',
    path: '/operators',
    access: 'operators.manage',
    input: z.strictObject({
      requestId,
      email: z.string().max(254),
      displayName: z.string().max(200),
      roles: z.array(OperatorRole).min(1).max(OPERATOR_ROLES.length),
    }),
    output: z.strictObject({ operatorId: id, enrolmentUrl: z.string(), expiresAt: iso }),
    showsSecretOnce: true,
  }),
  setOperatorRoles: endpoint({
    method: 'PUT',
    path: '/operators/:operatorId/roles',
    access: 'roles.change',
    input: z.strictObject({
      requestId,
      operatorId: id,
      roles: z.array(OperatorRole).max(OPERATOR_ROLES.length),
      approvalId,
    }),
    output: z.strictObject({ roles: z.array(OperatorRole) }),
  }),
  setOperatorStatus: endpoint({
    method: 'POST',
    path: '/operators/:operatorId/status',
    access: 'operators.manage',
    input: z.strictObject({ requestId, operatorId: id, status: z.enum(['active', 'disabled']) }),
    output: Ok,
  }),
  unlockOperator: endpoint({
    method: 'POST',
    path: '/operators/:operatorId/unlock',
    access: 'operators.manage',
    input: z.strictObject({ requestId, operatorId: id }),
    output: Ok,
  }),
  reissueEnrolment: endpoint({
    method: 'POST',
    path: '/operators/:operatorId/enrolment',
    access: 'operators.manage',
    input: z.strictObject({ requestId, operatorId: id }),
    output: z.strictObject({ operatorId: id, enrolmentUrl: z.string(), expiresAt: iso }),
    showsSecretOnce: true,
  }),
  listApprovals: endpoint({
    method: 'GET',
    path: '/approvals',
    access: 'session',
    input: z.strictObject({}),
    output: z.strictObject({ approvals: z.array(Approval) }),
  }),
  approve: endpoint({
    method: 'POST',
    path: '/approvals/:approvalId/approve',
    access: 'session',
    input: z.strictObject({ requestId, approvalId: id }),
    output: z.strictObject({ approvedAt: iso }),
  }),
  listPasskeys: endpoint({
    method: 'GET',
    path: '/passkeys',
    access: 'session',
    input: z.strictObject({}),
    /** available: false when the console is opened by an IP address (no RP ID for WebAuthn). */
    output: z.strictObject({ available: z.boolean(), passkeys: z.array(PasskeyRow) }),
  }),
  passkeyRegistrationOptions: endpoint({
    method: 'POST',
    path: '/passkeys/registration-options',
    access: 'session',
    input: z.strictObject({}),
    output: z.strictObject({ options: WebAuthnOptions }),
  }),
  registerPasskey: endpoint({
    method: 'POST',
    path: '/passkeys',
    access: 'session',
    input: z.strictObject({ requestId, label: z.string().trim().min(1).max(80), registration: PasskeyRegistration }),
    output: z.strictObject({ passkeyId: id }),
  }),
  removePasskey: endpoint({
    method: 'POST',
    path: '/passkeys/:passkeyId/remove',
    access: 'session',
    input: z.strictObject({ requestId, passkeyId: id }),
    output: Ok,
  }),
  listApiTokens: endpoint({
    method: 'GET',
    path: '/tokens',
    access: 'session',
    input: z.strictObject({}),
    output: z.strictObject({ tokens: z.array(ApiTokenRow) }),
  }),
  createApiToken: endpoint({
    method: 'POST',
    path: '/tokens',
    access: 'session',
    input: z.strictObject({
      requestId,
      roles: z.array(OperatorRole).min(1).max(OPERATOR_ROLES.length),
      expiresInDays: z.number().int().min(1).max(366),
      label: z.string().trim().min(1).max(80).optional(),
    }),
    output: z.strictObject({ tokenId: id, token: z.string(), expiresAt: iso }),
    showsSecretOnce: true,
  }),
  revokeApiToken: endpoint({
    method: 'POST',
    path: '/tokens/:tokenId/revoke',
    access: 'session',
    input: z.strictObject({ requestId, tokenId: id }),
    output: Ok,
  }),

  // --- mail relay (double opt-in) -------------------------------------------------------------
  // HQ sends no mail: a mail service with a mail_relay API token takes the confirmations waiting to
  // be sent and marks those its SMTP server accepted (docs/MAIL.md). The member confirms through the
  // public endpoint from the console page the link opens.
  /** Confirmations waiting to be sent, oldest first: only members still granting marketing e-mail. */
  listPendingConfirmations: endpoint({
    method: 'GET',
    path: '/mail/confirmations',
    access: 'mail.dispatch',
    input: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }),
    output: z.strictObject({ confirmations: z.array(PendingConfirmation).max(100) }),
  }),
  /** The confirmations whose e-mail the SMTP server accepted; ids already marked or never handed out are left as they are. */
  markConfirmationsDispatched: endpoint({
    method: 'POST',
    path: '/mail/confirmations/dispatched',
    access: 'mail.dispatch',
    input: z.strictObject({ requestId, ids: z.array(z.uuid()).min(1).max(100) }),
    output: z.strictObject({ marked: count }),
  }),
  /** The member's click: anyone with the link may call it (the token is the proof). */
  confirmConsent: endpoint({
    method: 'POST',
    path: '/consent/confirm',
    access: 'public',
    // Any text up to a bound: a malformed token is confirmation_invalid like every other bad link.
    input: z.strictObject({ token: z.string().min(1).max(200) }),
    output: z.strictObject({ confirmed: z.literal(true), purpose: z.enum(CONSENT_PURPOSES) }),
  }),

  // --- dashboard (issue 14) --------------------------------------------------------------------
  /** The chain's figures over the last 7, 14 or 30 UTC days, or one store's (dashboard/chain-dashboard.ts). */
  getDashboard: endpoint({
    method: 'GET',
    path: '/dashboard',
    access: 'dashboard.read',
    input: ChainDashboardInput,
    output: ChainDashboard,
  }),
} as const;

export type ConsoleEndpointName = keyof typeof CONSOLE_ENDPOINTS;
export type ConsoleInput<N extends ConsoleEndpointName> = z.input<(typeof CONSOLE_ENDPOINTS)[N]['input']>;
export type ConsoleOutput<N extends ConsoleEndpointName> = z.output<(typeof CONSOLE_ENDPOINTS)[N]['output']>;

/** Path parameter names of an endpoint's path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
}
