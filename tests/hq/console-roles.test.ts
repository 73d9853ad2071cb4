// The role × endpoint table of the HQ console API (issue 12), written out by hand from the issue's
// intent, not derived from roles.ts: chain admin = operators, stores, policies; store operations =
// devices, staff roster, catalogue, overdraft/rejection review, reports; privacy officer = member
// search/reveal/erase, legal holds, exports, audiences and the privacy policy; auditor = read-only (audit trail, reports, and the other lists that hold no
// member data), never member contacts; mail relay = the double opt-in e-mails waiting (issue 13) and
// nothing else. 'session' endpoints (approvals, own API tokens, own passkeys) are open to
// every signed-in role, and closed to API tokens.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  type ConsoleEndpointName,
} from '../../packages/hq/src/console/contract';
import type { OperatorRole } from '../../packages/hq/src/operators/roles';
import { DEFAULT_DETECTION_POLICY } from '../../src/shared/detection/policy';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import {
  consoleRequest,
  endpointRequest,
  firstAdmin,
  operatorWith,
  type ConsoleClient,
  type RawResponse,
} from './support/console';

type Verdict = 'allow' | 'deny';
type Row = Record<OperatorRole, Verdict>;
const ROLES: readonly OperatorRole[] = ['chain_admin', 'store_operations', 'privacy_officer', 'auditor', 'mail_relay'];

/** The audit export is not in CONSOLE_ENDPOINTS (it answers JSON lines); it has its own row. */
const AUDIT_EXPORT = 'auditExport (GET /audit/export)';

const A: Verdict = 'allow';
const D: Verdict = 'deny';

// prettier-ignore
const TABLE: Record<string, Row> = {
  listStores:         { chain_admin: A, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  createStore:        { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  setStorePolicy:     { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  listDevices:        { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  issuePairingCode:   { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  revokeDevice:       { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  clearDeviceRollback: { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  requestDeviceRekey: { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  listStaff:          { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  addStaff:           { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  setStaffStatus:     { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  resetStaffPin:      { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  getCatalog:         { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  saveCatalog:        { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  listOverdrafts:     { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  listRejected:       { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  listFlagged:        { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  resolveReview:      { chain_admin: D, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  dayEndReports:      { chain_admin: D, store_operations: A, privacy_officer: D, auditor: A, mail_relay: D },
  searchMembers:      { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  revealMember:       { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  eraseMember:        { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  getPrivacyOverview: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: A, mail_relay: D },
  savePrivacyPolicy:  { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  setLegalHold:       { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  exportMember:       { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  exportAudience:     { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  listDisclosures:    { chain_admin: D, store_operations: D, privacy_officer: A, auditor: A, mail_relay: D },
  // The breach register (issue 14): the chain admin and the auditor read incidents, never who was exposed.
  listIncidents:      { chain_admin: A, store_operations: D, privacy_officer: A, auditor: A, mail_relay: D },
  getIncident:        { chain_admin: A, store_operations: D, privacy_officer: A, auditor: A, mail_relay: D },
  listIncidentSubjects: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  openIncident:       { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  addIncidentEntry:   { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  recordRegulatorNotification: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  recordMembersNotification: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  closeIncident:      { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  revokeIncidentTill: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  computeIncidentExposure: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  listIncidentMembers: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  incidentNotificationList: { chain_admin: D, store_operations: D, privacy_officer: A, auditor: D, mail_relay: D },
  getDetectionPolicy: { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: D },
  saveDetectionPolicy: { chain_admin: A, store_operations: A, privacy_officer: D, auditor: D, mail_relay: D },
  listAlerts:         { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: D },
  resolveAlert:       { chain_admin: D, store_operations: A, privacy_officer: A, auditor: D, mail_relay: D },
  getDashboard:       { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: D },
  listAudit:          { chain_admin: D, store_operations: D, privacy_officer: D, auditor: A, mail_relay: D },
  verifyAudit:        { chain_admin: D, store_operations: D, privacy_officer: D, auditor: A, mail_relay: D },
  tillAuditHeads:     { chain_admin: D, store_operations: D, privacy_officer: D, auditor: A, mail_relay: D },
  listTillAudit:      { chain_admin: D, store_operations: D, privacy_officer: D, auditor: A, mail_relay: D },
  [AUDIT_EXPORT]:     { chain_admin: D, store_operations: D, privacy_officer: D, auditor: A, mail_relay: D },
  listOperators:      { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  createOperator:     { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  setOperatorRoles:   { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  setOperatorStatus:  { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  unlockOperator:     { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  reissueEnrolment:   { chain_admin: A, store_operations: D, privacy_officer: D, auditor: D, mail_relay: D },
  listApprovals:      { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  approve:            { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  listPasskeys:       { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  passkeyRegistrationOptions: { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  registerPasskey:    { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  removePasskey:      { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  listApiTokens:      { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  createApiToken:     { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  revokeApiToken:     { chain_admin: A, store_operations: A, privacy_officer: A, auditor: A, mail_relay: A },
  listPendingConfirmations:    { chain_admin: D, store_operations: D, privacy_officer: D, auditor: D, mail_relay: A },
  markConfirmationsDispatched: { chain_admin: D, store_operations: D, privacy_officer: D, auditor: D, mail_relay: A },
};

/** Endpoints only a signed-in console session may call: an API token gets 403 whatever its roles. */
const SESSION_ONLY = [
  'listApprovals',
  'approve',
  'listPasskeys',
  'passkeyRegistrationOptions',
  'registerPasskey',
  'removePasskey',
  'listApiTokens',
  'createApiToken',
  'revokeApiToken',
];

/** The identity endpoints, outside the table: public or the session itself (and a member's confirmation link). */
const IDENTITY = [
  'login',
  'logout',
  'session',
  'openEnrolment',
  'completeEnrolment',
  'passkeyLoginOptions',
  'loginWithPasskey',
  'confirmConsent',
];

/** An incident id that names no incident. */
const NO_INCIDENT = '00000000-0000-4000-8000-00000000dead';

/** Valid-shaped inputs with ids that name nothing, so an allowed call changes as little as it can. */
function inputFor(name: string, role: OperatorRole): Record<string, unknown> {
  const inputs: Record<string, Record<string, unknown>> = {
    listStores: {},
    createStore: { name: 'Role table store' },
    setStorePolicy: { storeId: 'no-such-store', maxAdjustPoints: 100, graceDays: 3, secondApproverAbovePoints: 500 },
    listDevices: {},
    issuePairingCode: { storeId: 'no-such-store' },
    revokeDevice: { deviceId: 'no-such-device' },
    clearDeviceRollback: { deviceId: 'no-such-device', reasonCode: 'false_alarm' },
    requestDeviceRekey: { deviceId: 'no-such-device', reasonCode: 'suspected_compromise' },
    listStaff: {},
    addStaff: { storeId: null, displayName: 'Role Table', role: 'cashier' },
    setStaffStatus: { staffId: 'no-such-staff', status: 'inactive' },
    resetStaffPin: { staffId: 'no-such-staff' },
    getCatalog: {},
    saveCatalog: { baseVersion: 0, catalog: {} },
    listOverdrafts: {},
    listRejected: {},
    listFlagged: {},
    resolveReview: { kind: 'overdraft', opId: randomUUID(), resolution: 'made_good' },
    dayEndReports: {},
    searchMembers: { by: 'card', value: '6004993000000012' },
    revealMember: { memberId: 'no-such-member', reason: 'member_support' },
    eraseMember: { memberId: 'no-such-member', reasonCode: 'member_request' },
    getPrivacyOverview: {},
    savePrivacyPolicy: {
      baseVersion: 999,
      policy: {
        erasureHoldDays: 0,
        inactiveMemberMonths: null,
        auditRetentionYears: 6,
        exportRetentionDays: 30,
        confirmationTtlHours: 72,
      },
    },
    setLegalHold: { memberId: 'no-such-member', reason: 'litigation' },
    exportMember: { memberId: 'no-such-member', purpose: 'access_request' },
    exportAudience: { purpose: 'analytics', recipient: 'role-table', fields: ['tier'] },
    listDisclosures: {},
    listIncidents: {},
    getIncident: { incidentId: NO_INCIDENT },
    listIncidentSubjects: {},
    openIncident: { kind: 'other', title: 'Role table incident' },
    addIncidentEntry: { incidentId: NO_INCIDENT, baseVersion: 1, kind: 'assessment', text: 'Role table' },
    recordRegulatorNotification: {
      incidentId: NO_INCIDENT,
      baseVersion: 1,
      notifiedAt: '2026-03-01T00:00:00.000Z',
      reference: 'ROLE-1',
    },
    recordMembersNotification: { incidentId: NO_INCIDENT, baseVersion: 1, notifiedAt: '2026-03-01T00:00:00.000Z' },
    closeIncident: { incidentId: NO_INCIDENT, baseVersion: 1, text: 'Role table' },
    revokeIncidentTill: { incidentId: NO_INCIDENT },
    computeIncidentExposure: { incidentId: NO_INCIDENT, baseVersion: 1 },
    listIncidentMembers: { incidentId: NO_INCIDENT },
    incidentNotificationList: { incidentId: NO_INCIDENT, exposures: ['revealed'], contactPoint: 'dpo@chain.example' },
    getDetectionPolicy: { storeId: 'no-such-store' },
    saveDetectionPolicy: { storeId: 'no-such-store', baseVersion: 0, policy: DEFAULT_DETECTION_POLICY },
    listAlerts: {},
    getDashboard: { days: 7 },
    resolveAlert: { alertId: randomUUID(), action: 'acknowledge', reasonCode: 'staff_spoken_to' },
    listAudit: {},
    verifyAudit: {},
    tillAuditHeads: {},
    listTillAudit: {},
    listOperators: {},
    createOperator: {
      email: `made-${randomUUID().slice(0, 8)}@chain.example`,
      displayName: 'Made In Role Table',
      roles: ['auditor'],
    },
    setOperatorRoles: { operatorId: 'no-such-operator', roles: ['auditor'] },
    setOperatorStatus: { operatorId: 'no-such-operator', status: 'disabled' },
    unlockOperator: { operatorId: 'no-such-operator' },
    reissueEnrolment: { operatorId: 'no-such-operator' },
    listApprovals: {},
    approve: { approvalId: 'no-such-approval' },
    listPasskeys: {},
    passkeyRegistrationOptions: {},
    registerPasskey: {
      label: 'Role table key',
      registration: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'e30', attestationObject: 'oA' },
        clientExtensionResults: {},
      },
    },
    removePasskey: { passkeyId: 'no-such-passkey' },
    listApiTokens: {},
    createApiToken: { roles: [role], expiresInDays: 1 },
    revokeApiToken: { tokenId: 'no-such-token' },
    listPendingConfirmations: { limit: 1 },
    markConfirmationsDispatched: { ids: [randomUUID()] },
  };
  const input = inputs[name];
  if (input === undefined) throw new Error(`no input written for ${name}`);
  return input;
}

/**
 * hq.snapshot() minus what a refusal must change: the operator audit (the refusal is recorded) and
 * the session's idle clock / the token's last use (the caller was authenticated). Everything else,
 * console_requests and operator_approvals included, must stay as it was.
 */
async function stateOf(hq: TestHq): Promise<string> {
  const tables = JSON.parse(await hq.snapshot()) as Record<string, Record<string, unknown>[]>;
  delete tables.operator_audit;
  const strip = (table: string, columns: string[]) => {
    const rows = tables[table];
    if (!rows) throw new Error(`snapshot has no ${table}`);
    tables[table] = rows
      .map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !columns.includes(key))))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  };
  strip('operator_sessions', ['last_seen_at', 'idle_expires_at']);
  strip('operator_api_tokens', ['last_used_at']);
  return JSON.stringify(tables);
}

function withRequestId(name: ConsoleEndpointName, input: Record<string, unknown>): Record<string, unknown> {
  const endpoint = CONSOLE_ENDPOINTS[name];
  return endpoint.method !== 'GET' && 'requestId' in endpoint.input.shape
    ? { requestId: randomUUID(), ...input }
    : input;
}

function printTable(): void {
  const lines = [
    `| endpoint | ${ROLES.join(' | ')} |`,
    `| --- | ${ROLES.map(() => '---').join(' | ')} |`,
    ...Object.entries(TABLE).map(([name, row]) => `| ${name} | ${ROLES.map((role) => row[role]).join(' | ')} |`),
  ];
  console.log(
    `Console role × endpoint table (session; API tokens: the same, except the session-only rows, which are deny):\n${lines.join('\n')}`,
  );
}

describe('the role × endpoint table itself', () => {
  test('the contract has exactly the endpoints the table lists (a new endpoint without a row fails)', () => {
    const inContract = Object.keys(CONSOLE_ENDPOINTS)
      .filter((name) => !IDENTITY.includes(name))
      .sort();
    const inTable = Object.keys(TABLE)
      .filter((name) => name !== AUDIT_EXPORT)
      .sort();
    expect(inContract).toEqual(inTable);
    for (const name of IDENTITY) expect(Object.keys(CONSOLE_ENDPOINTS)).toContain(name);
    for (const name of SESSION_ONLY) expect(CONSOLE_ENDPOINTS[name as ConsoleEndpointName].access).toBe('session');
    printTable();
  });
});

describe.each(BACKENDS)('console roles on %s', (backend) => {
  let hq: TestHq;
  const clients = {} as Record<OperatorRole, ConsoleClient>;
  const tokens = {} as Record<OperatorRole, string>;

  beforeAll(async () => {
    if (skipBackend(backend)) return;
    hq = await startTestHq(backend, { console: true });
    const admin = (await firstAdmin(hq)).client;
    for (const role of ROLES) clients[role] = (await operatorWith(hq, admin, [role])).client;
    for (const role of ROLES) {
      const made = await clients[role].call('createApiToken', { roles: [role], expiresInDays: 30, label: role });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      tokens[role] = (made.body as { token: string }).token;
    }
  }, 180_000);
  afterAll(async () => {
    await hq?.close();
  });

  /** Keeps every session inside its idle window: the logins above moved the clock on. */
  async function keepAlive(): Promise<void> {
    for (const role of ROLES) expect((await clients[role].call('session')).status).toBe(200);
  }

  async function viaSession(name: string, role: OperatorRole): Promise<RawResponse> {
    const client = clients[role];
    if (name === AUDIT_EXPORT) {
      return consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/audit/export`, {
        headers: { cookie: `__Host-ldhq_session=${client.cookie ?? ''}` },
      });
    }
    return client.call(name as ConsoleEndpointName, inputFor(name, role));
  }

  async function viaToken(name: string, role: OperatorRole): Promise<RawResponse> {
    const headers = { authorization: `Bearer ${tokens[role]}` };
    if (name === AUDIT_EXPORT) return consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/audit/export`, { headers });
    const request = endpointRequest(
      name as ConsoleEndpointName,
      withRequestId(name as ConsoleEndpointName, inputFor(name, role)),
    );
    return consoleRequest(hq, request.method, request.path, {
      ...(request.body !== undefined ? { body: request.body } : {}),
      headers,
    });
  }

  async function check(
    name: string,
    role: OperatorRole,
    expected: Verdict,
    call: (name: string, role: OperatorRole) => Promise<RawResponse>,
  ): Promise<void> {
    const before = expected === 'deny' ? await stateOf(hq) : '';
    if (process.env.ROLES_DEBUG) process.stderr.write(`call ${name} ${role}\n`);
    const response = await call(name, role);
    const where = `${name} as ${role}: ${response.status} ${response.text.slice(0, 200)}`;
    if (expected === 'deny') {
      expect(response.status, where).toBe(403);
      expect(response.body, where).toMatchObject({ code: 'forbidden' });
      expect(await stateOf(hq), `${where}: state changed`).toBe(before);
    } else {
      expect([401, 403], where).not.toContain(response.status);
      expect(response.status, where).toBeLessThan(500);
    }
  }

  test.skipIf(skipBackend(backend))(
    'signed-in operators: each role is allowed or refused (403 forbidden, nothing changed) as the table says',
    async () => {
      for (const name of Object.keys(TABLE)) {
        await keepAlive();
        for (const role of ROLES) {
          const row = TABLE[name];
          if (!row) throw new Error(name);
          await check(name, role, row[role], viaSession);
        }
      }
    },
    300_000,
  );

  test.skipIf(skipBackend(backend))(
    'API tokens: the same table, except that session-only endpoints are 403 for every token',
    async () => {
      for (const name of Object.keys(TABLE)) {
        for (const role of ROLES) {
          const row = TABLE[name];
          if (!row) throw new Error(name);
          await check(name, role, SESSION_ONLY.includes(name) ? 'deny' : row[role], viaToken);
        }
      }
    },
    300_000,
  );

  test.skipIf(skipBackend(backend))('a refusal is recorded in the operator audit as refused', async () => {
    await keepAlive();
    const refused = await clients.auditor.call('createStore', { name: 'Auditors do not make stores' });
    expect(refused.status).toBe(403);
    const last = await hq.db.query<{ action: string; operator_id: string; details: unknown }>(
      'SELECT action, operator_id, details FROM operator_audit ORDER BY seq DESC LIMIT 1',
    );
    const details =
      typeof last.rows[0]?.details === 'string' ? JSON.parse(last.rows[0].details) : last.rows[0]?.details;
    expect(last.rows[0]).toMatchObject({ action: 'stores.create', operator_id: clients.auditor.operatorId });
    expect(details).toMatchObject({ outcome: 'refused', via: 'session' });
  });
});
