import { AUDIT_ACTION_GROUPS } from '../../../../../src/shared/audit/schemas';
import type { AuditMemberLabel } from '../../../../../src/shared/audit/describe';
import { maskedCardNumber, maskedMemberName } from '../../../../../src/shared/audit/member-label';
import { cardLastDigits, memberInitials } from '../../../../../src/shared/members/member-initials';
import { toInt } from '../../db/database';
import { may } from '../../operators/roles';
import type { OperatorAuditVerification } from '../../operators/operator-audit';
import type { ConsoleHandler, ConsolePrepare } from '../console-context';

const PAGE = 100;

export const listAudit: ConsoleHandler<'listAudit'> = async (ctx, input) => {
  const limit = input.limit ?? PAGE;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (input.beforeSeq !== undefined) add((n) => `a.seq < ${n}`, input.beforeSeq);
  if (input.operatorId !== undefined) add((n) => `a.operator_id = ${n}`, input.operatorId);
  // The prefix is checked by the contract (letters and '_' then a dot), so LIKE sees no wildcard.
  if (input.actionPrefix !== undefined) add((n) => `a.action LIKE ${n}`, `${input.actionPrefix}%`);
  if (input.from !== undefined) add((n) => `a.at >= ${n}`, new Date(input.from));
  if (input.to !== undefined) add((n) => `a.at <= ${n}`, new Date(input.to));
  const found = await ctx.tx.query<{
    seq: unknown;
    at: Date | string;
    operator_id: string | null;
    operator_name: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    details: unknown;
    hash: string;
  }>(
    `SELECT a.seq, a.at, a.operator_id, o.display_name AS operator_name, a.action, a.subject_type, a.subject_id,
            a.details, a.hash
       FROM operator_audit a LEFT JOIN operators o ON o.id = a.operator_id
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.seq DESC LIMIT ${limit}`,
    params,
  );
  const head = await ctx.deps.audit.head(ctx.tx);
  return {
    entries: found.rows.map((row) => ({
      seq: toInt(row.seq),
      at: new Date(row.at).toISOString(),
      operatorId: row.operator_id,
      operatorName: row.operator_name,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      details: parseDetails(row.details),
      hash: row.hash,
    })),
    head,
  };
};

type Details = Record<string, string | number | boolean | null>;
const parseDetails = (value: unknown): Details => (typeof value === 'string' ? JSON.parse(value) : value) as Details;

/** Detail keys of a till's entry that may name a member (an approval's target may be a staff member). */
const MEMBER_DETAIL_KEYS = ['target', 'memberId'] as const;

/**
 * The tills' audit entries (till_audit, filled by the tills' uploads), newest first, a page at a
 * time, with what the console needs to say them in words: staff names from HQ's roster, members
 * masked or marked erased, stores and tills. An operator who may see member data (member.search)
 * gets the till's own mask (shared/audit/member-label.ts: "Anna K.", "••••1234"); anyone else (the
 * auditor, the role this endpoint is for) initials and the card's last digits only, the alerts'
 * form ("A. K.", "••1234"): a given name is member data. The read shows members, so it is audited
 * like the member search: the filters' ids and how many entries and members it showed.
 */
export const listTillAudit: ConsoleHandler<'listTillAudit'> = async (ctx, input) => {
  const limit = input.limit ?? PAGE;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (input.storeId !== undefined) add((n) => `d.store_id = ${n}`, input.storeId);
  if (input.deviceId !== undefined) add((n) => `t.device_id = ${n}`, input.deviceId);
  if (input.staffId !== undefined) add((n) => `t.staff_id = ${n}`, input.staffId);
  if (input.group !== undefined) add((n) => `t.action = ANY(${n}::text[])`, [...AUDIT_ACTION_GROUPS[input.group]]);
  if (input.from !== undefined) add((n) => `t.at >= ${n}`, new Date(input.from));
  if (input.to !== undefined) add((n) => `t.at <= ${n}`, new Date(input.to));
  const found = await ctx.tx.query<{
    device_id: string;
    store_id: string;
    seq: unknown;
    at: Date | string;
    staff_id: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    details: unknown;
  }>(
    `SELECT t.device_id, d.store_id, t.seq, t.at, t.staff_id, t.action, t.subject_type, t.subject_id, t.details
       FROM till_audit t JOIN devices d ON d.id = t.device_id
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.at DESC, t.device_id, t.seq DESC LIMIT ${limit + 1} OFFSET ${input.offset ?? 0}`,
    params,
  );
  const entries = found.rows.slice(0, limit).map((row) => ({
    deviceId: row.device_id,
    storeId: row.store_id,
    seq: toInt(row.seq),
    at: new Date(row.at).toISOString(),
    staffId: row.staff_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: parseDetails(row.details),
  }));
  const memberIds = new Set<string>();
  for (const entry of entries) {
    if (entry.subjectType === 'member' && entry.subjectId) memberIds.add(entry.subjectId);
    for (const key of MEMBER_DETAIL_KEYS) {
      const value = entry.details[key];
      if (typeof value === 'string') memberIds.add(value);
    }
  }
  const members: Record<string, AuditMemberLabel> = {};
  if (memberIds.size > 0) {
    const rows = await ctx.tx.query<{
      id: string;
      given_name: string;
      family_name: string;
      card_number: string;
      erased_at: Date | null;
    }>('SELECT id, given_name, family_name, card_number, erased_at FROM members WHERE id = ANY($1::text[])', [
      [...memberIds],
    ]);
    const seesMembers = may(ctx.actor.roles, 'member.search');
    for (const row of rows.rows) {
      members[row.id] =
        row.erased_at !== null
          ? { erased: true }
          : seesMembers
            ? {
                maskedName: maskedMemberName(row.given_name, row.family_name),
                maskedCard: maskedCardNumber(row.card_number),
              }
            : {
                maskedName: memberInitials(row.given_name, row.family_name),
                maskedCard: cardLastDigits(row.card_number),
              };
    }
  }
  await ctx.audit({
    action: 'audit.read',
    subjectType: input.deviceId !== undefined ? 'device' : input.storeId !== undefined ? 'store' : null,
    subjectId: input.deviceId ?? input.storeId ?? null,
    details: {
      source: 'till_audit',
      storeId: input.storeId ?? null,
      deviceId: input.deviceId ?? null,
      staffId: input.staffId ?? null,
      group: input.group ?? null,
      entries: entries.length,
      members: Object.keys(members).length,
    },
  });
  // The roster is small (a chain's staff): all of it names the entries and fills the staff filter.
  const staff = await ctx.tx.query<{ id: string; display_name: string }>(
    'SELECT id, display_name FROM staff ORDER BY display_name',
  );
  const stores = await ctx.tx.query<{ id: string; name: string }>('SELECT id, name FROM stores ORDER BY name');
  const devices = await ctx.tx.query<{ id: string; store_id: string; name: string }>(
    'SELECT id, store_id, name FROM devices ORDER BY name',
  );
  return {
    entries,
    hasMore: found.rows.length > limit,
    staff: Object.fromEntries(staff.rows.map((row) => [row.id, row.display_name])),
    members,
    stores: stores.rows.map((row) => ({ storeId: row.id, name: row.name })),
    devices: devices.rows.map((row) => ({ deviceId: row.id, storeId: row.store_id, name: row.name })),
  };
};

/** Walks the whole chain with HQ's key, before the request's transaction (CONSOLE_PREPARE). */
export const prepareVerifyAudit: ConsolePrepare = (deps) => deps.audit.verify();

/** The walk's result; the check itself is recorded (after it, so it checks what was there). */
export const verifyAudit: ConsoleHandler<'verifyAudit'> = async (ctx) => {
  const result = ctx.prepared as OperatorAuditVerification | undefined;
  if (result === undefined) throw new Error('verifyAudit runs after its prepare step');
  await ctx.audit({
    action: 'audit.verified',
    details: { ok: result.ok, checked: result.checked, firstBrokenSeq: result.firstBrokenSeq },
  });
  return { ok: result.ok, entries: result.checked, firstBadSeq: result.firstBrokenSeq, headHash: result.head.hash };
};

/**
 * Each till's audit chain head as its latest day end reported it, and whether any day end of the
 * device found the chain gone back (the till's audit was rolled back or replaced).
 */
export const tillAuditHeads: ConsoleHandler<'tillAuditHeads'> = async (ctx) => {
  const found = await ctx.tx.query<{
    device_id: string;
    store_id: string;
    store_name: string;
    manifest: unknown;
    received_at: Date;
    went_back: boolean;
  }>(
    `SELECT DISTINCT ON (e.device_id) e.device_id, d.store_id, s.name AS store_name, e.manifest, e.received_at,
            EXISTS (SELECT 1 FROM day_ends b WHERE b.device_id = e.device_id
                     AND b.report->'problems' ? 'audit_went_back') AS went_back
       FROM day_ends e JOIN devices d ON d.id = e.device_id JOIN stores s ON s.id = d.store_id
      ORDER BY e.device_id, e.received_at DESC, e.id`,
  );
  return {
    heads: found.rows.map((row) => {
      const manifest = (typeof row.manifest === 'string' ? JSON.parse(row.manifest) : row.manifest) as {
        auditHead: { seq: number; hash: string };
      };
      return {
        deviceId: row.device_id,
        storeId: row.store_id,
        storeName: row.store_name,
        seq: manifest.auditHead.seq,
        hash: manifest.auditHead.hash,
        receivedAt: new Date(row.received_at).toISOString(),
        wentBack: row.went_back,
      };
    }),
  };
};
