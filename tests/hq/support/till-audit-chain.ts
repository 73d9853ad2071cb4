// A till's audit chain, made as the till makes it (src/node-shared/audit-chain-link.ts under a
// till's own key), for uploading to a test HQ without a till.
import { randomBytes } from 'node:crypto';
import { AUDIT_GENESIS_HASH, auditChainLink } from '../../../src/node-shared/audit-chain-link';
import { canonicalJson } from '../../../src/shared/canonical-json';
import {
  AuditUploadResponse,
  HQ_ROUTES,
  type AuditUploadEntry,
  type PairResponse,
} from '../../../src/shared/sync/protocol';
import type { HqResponse, TestHq } from './hq';

export interface ChainEntryInput {
  at: string;
  staffId: string | null;
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  details?: AuditUploadEntry['details'];
}

export interface TestChain {
  entries: AuditUploadEntry[];
  /** Appends entries linked to the last one; returns the new ones. */
  add(...inputs: ChainEntryInput[]): AuditUploadEntry[];
}

/** A chain starting after (`startSeq`, `startHash`): the genesis by default. */
export function tillChain(startSeq = 0, startHash = AUDIT_GENESIS_HASH, key = randomBytes(32)): TestChain {
  const entries: AuditUploadEntry[] = [];
  return {
    entries,
    add(...inputs) {
      const added: AuditUploadEntry[] = [];
      for (const input of inputs) {
        const prev = entries.at(-1);
        const seq = (prev?.seq ?? startSeq) + 1;
        const prevHash = prev?.hash ?? startHash;
        const details = input.details ?? {};
        const fields = {
          seq,
          at: input.at,
          staffId: input.staffId,
          action: input.action,
          subjectType: input.subjectType ?? null,
          subjectId: input.subjectId ?? null,
        };
        const hash = auditChainLink(key, prevHash, {
          ...fields,
          actorId: input.staffId,
          detailsJson: canonicalJson(details),
        });
        const entry: AuditUploadEntry = { ...fields, details, prevHash, hash };
        entries.push(entry);
        added.push(entry);
      }
      return added;
    },
  };
}

/** POST /v1/audit as `device` (or with `token`): the raw answer. */
export function uploadRaw(
  hq: TestHq,
  device: PairResponse,
  entries: AuditUploadEntry[],
  token?: string,
): Promise<HqResponse> {
  return hq.send(HQ_ROUTES.audit, { entries }, { token: token ?? device.deviceToken });
}

/** POST /v1/audit as `device`; anything but 200 throws with HQ's answer. */
export async function upload(
  hq: TestHq,
  device: PairResponse,
  entries: AuditUploadEntry[],
): Promise<AuditUploadResponse> {
  const response = await uploadRaw(hq, device, entries);
  if (response.status !== 200) throw new Error(`audit upload refused: ${JSON.stringify(response.body)}`);
  return AuditUploadResponse.parse(response.body);
}

/** `n` entries of `staffId` opening a distinct member each, one every `stepSeconds` from `from`. */
export function opens(staffId: string, memberIds: readonly string[], from: Date, stepSeconds = 60): ChainEntryInput[] {
  return memberIds.map((memberId, i) => ({
    at: new Date(from.getTime() + i * stepSeconds * 1000).toISOString(),
    staffId,
    action: 'member.viewed',
    subjectType: 'member',
    subjectId: memberId,
  }));
}
