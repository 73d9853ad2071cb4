import type { ConsoleHandlers, ConsolePrepare } from '../console-context';
import type { ConsoleEndpointName } from '../contract';
import { listAudit, listTillAudit, prepareVerifyAudit, tillAuditHeads, verifyAudit } from './audit';
import { getDetectionPolicy, listAlerts, resolveAlert, saveDetectionPolicy } from './alerts';
import { getCatalog, saveCatalog } from './catalog';
import { getDashboard } from './dashboard';
import {
  addIncidentEntryHandler,
  closeIncidentHandler,
  computeIncidentExposureHandler,
  getIncidentHandler,
  incidentNotificationListHandler,
  listIncidentMembersHandler,
  listIncidentSubjectsHandler,
  listIncidentsHandler,
  openIncidentHandler,
  recordMembersNotificationHandler,
  recordRegulatorNotificationHandler,
  revokeIncidentTillHandler,
} from './incidents';
import {
  clearDeviceRollbackHandler,
  issuePairingCodeHandler,
  listDevices,
  requestDeviceRekeyHandler,
  revokeDeviceHandler,
} from './devices';
import { listPendingConfirmations, markConfirmationsDispatched } from './mail';
import { eraseMember, revealMember, searchMembers } from './members';
import {
  exportAudienceHandler,
  exportMember,
  getPrivacyOverview,
  listDisclosuresHandler,
  savePrivacyPolicy,
  setLegalHold,
} from './privacy';
import {
  approve,
  createApiTokenHandler,
  createOperator,
  listApiTokensHandler,
  listApprovals,
  listOperators,
  reissueEnrolment,
  revokeApiTokenHandler,
  setOperatorRolesHandler,
  setOperatorStatus,
  unlockOperator,
} from './operators';
import {
  listPasskeysHandler,
  passkeyRegistrationOptionsHandler,
  registerPasskeyHandler,
  removePasskeyHandler,
} from './passkeys';
import {
  dayEndReports,
  listFlaggedHandler,
  listOverdraftsHandler,
  listRejectedHandler,
  resolveReview,
} from './reviews';
import { addStaffHandler, listStaff, resetStaffPinHandler, setStaffStatusHandler } from './staff';
import { createStoreHandler, listStores, setStorePolicy } from './stores';

/** Every console endpoint's handler: the type makes a missing one a compile error. */
export const CONSOLE_HANDLERS: ConsoleHandlers = {
  listStores,
  createStore: createStoreHandler,
  setStorePolicy,
  listDevices,
  issuePairingCode: issuePairingCodeHandler,
  revokeDevice: revokeDeviceHandler,
  clearDeviceRollback: clearDeviceRollbackHandler,
  requestDeviceRekey: requestDeviceRekeyHandler,
  listStaff,
  addStaff: addStaffHandler,
  setStaffStatus: setStaffStatusHandler,
  resetStaffPin: resetStaffPinHandler,
  getCatalog,
  saveCatalog,
  listOverdrafts: listOverdraftsHandler,
  listRejected: listRejectedHandler,
  listFlagged: listFlaggedHandler,
  resolveReview,
  dayEndReports,
  searchMembers,
  revealMember,
  eraseMember,
  getPrivacyOverview,
  savePrivacyPolicy,
  setLegalHold,
  exportMember,
  exportAudience: exportAudienceHandler,
  listDisclosures: listDisclosuresHandler,
  getDetectionPolicy,
  saveDetectionPolicy,
  listAlerts,
  resolveAlert,
  listAudit,
  verifyAudit,
  tillAuditHeads,
  listTillAudit,
  listOperators,
  createOperator,
  setOperatorRoles: setOperatorRolesHandler,
  setOperatorStatus,
  unlockOperator,
  reissueEnrolment,
  listApprovals,
  approve,
  listPasskeys: listPasskeysHandler,
  passkeyRegistrationOptions: passkeyRegistrationOptionsHandler,
  registerPasskey: registerPasskeyHandler,
  removePasskey: removePasskeyHandler,
  listApiTokens: listApiTokensHandler,
  createApiToken: createApiTokenHandler,
  revokeApiToken: revokeApiTokenHandler,
  listPendingConfirmations,
  markConfirmationsDispatched,
  getDashboard,
  listIncidents: listIncidentsHandler,
  getIncident: getIncidentHandler,
  listIncidentSubjects: listIncidentSubjectsHandler,
  openIncident: openIncidentHandler,
  addIncidentEntry: addIncidentEntryHandler,
  recordRegulatorNotification: recordRegulatorNotificationHandler,
  recordMembersNotification: recordMembersNotificationHandler,
  closeIncident: closeIncidentHandler,
  revokeIncidentTill: revokeIncidentTillHandler,
  computeIncidentExposure: computeIncidentExposureHandler,
  listIncidentMembers: listIncidentMembersHandler,
  incidentNotificationList: incidentNotificationListHandler,
};

/**
 * Reads made before an endpoint's transaction through HQ's own database handle (the audit chain
 * walk): inside the transaction they would deadlock on PGlite's single connection.
 */
export const CONSOLE_PREPARE: Partial<Record<ConsoleEndpointName, ConsolePrepare>> = {
  verifyAudit: prepareVerifyAudit,
};
