// HQ operator functions, one module per concern; `npm run hq -- <command>` runs them (cli.ts).
export { clock, type AdminDeps } from './deps';
export { createStore } from './stores';
export { PAIRING_CODE_TTL_MS, issuePairingCode, revokeDevice } from './devices';
export { addStaff, resetStaffPin, setStaffStatus, STAFF_STATUSES, type StaffStatus } from './staff';
export {
  CatalogFile,
  loadCatalog,
  loadCatalogFile,
  parseCatalog,
  readCatalogJson,
  type CatalogLoaded,
} from './catalog';
export { requestErasure, type ErasureResult } from '../privacy/erasure';
export { scrubPayload } from '../../../../src/shared/sync/personal-data';
export {
  listFlaggedOps,
  listOverdrafts,
  listRejectedOps,
  type FlaggedOpRow,
  type OverdraftRow,
  type RejectedOpRow,
} from './reports';
