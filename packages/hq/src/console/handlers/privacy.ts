import { randomUUID } from 'node:crypto';
import { toInt } from '../../db/database';
import { AudienceError, exportAudience, listDisclosures } from '../../privacy/audiences';
import { buildMemberExport, memberExportState } from '../../privacy/member-export';
import { readPrivacyPolicy, writePrivacyPolicy } from '../../privacy/policy';
import { previewRetention } from '../../privacy/retention';
import { logChange } from '../../change-log';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';
import { sealExportDocument } from '../../keys/sealed-columns';

/** The privacy page: the policy, what the rules will remove within the horizon, pending erasures, legal holds. */
export const getPrivacyOverview: ConsoleHandler<'getPrivacyOverview'> = async (ctx, input) => {
  const policy = await readPrivacyPolicy(ctx.tx);
  const horizonDays = input.horizonDays ?? 30;
  const erasures = await ctx.tx.query<{
    id: string;
    member_id: string;
    source: 'till' | 'console' | 'retention';
    reason_code: string;
    store_id: string | null;
    requested_at: Date;
    due_at: Date;
    legal_hold_reason: string | null;
  }>(
    `SELECT r.id, r.member_id, r.source, r.reason_code, r.store_id, r.requested_at, r.due_at, m.legal_hold_reason
       FROM erasure_requests r JOIN members m ON m.id = r.member_id
      WHERE r.status = 'pending' ORDER BY r.due_at, r.id LIMIT 200`,
  );
  const holds = await ctx.tx.query<{ id: string; legal_hold_reason: string; legal_hold_at: Date }>(
    `SELECT id, legal_hold_reason, legal_hold_at FROM members WHERE legal_hold_reason IS NOT NULL
      ORDER BY legal_hold_at, id LIMIT 200`,
  );
  const done = await ctx.tx.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM erasure_requests WHERE status = 'completed'`,
  );
  return {
    policy,
    preview: await previewRetention(ctx.tx, ctx.now, horizonDays),
    pendingErasures: erasures.rows.map((row) => ({
      erasureRequestId: row.id,
      memberId: row.member_id,
      source: row.source,
      reasonCode: row.reason_code,
      storeId: row.store_id,
      requestedAt: new Date(row.requested_at).toISOString(),
      dueAt: new Date(row.due_at).toISOString(),
      legalHold: row.legal_hold_reason,
    })),
    completedErasures: toInt(done.rows[0]?.n),
    legalHolds: holds.rows.map((row) => ({
      memberId: row.id,
      reason: row.legal_hold_reason,
      since: new Date(row.legal_hold_at).toISOString(),
    })),
  };
};

export const savePrivacyPolicy: ConsoleHandler<'savePrivacyPolicy'> = async (ctx, input) => {
  const version = await writePrivacyPolicy(ctx.tx, input.policy, input.baseVersion, ctx.actor.operatorId, ctx.now);
  if (version === null) {
    throw new ConsoleHttpError('conflict', 'Another operator changed the privacy policy first: reload and try again.');
  }
  // Tills keep their audit entries for the policy's years: each store's settings travel again.
  const stores = await ctx.tx.query<{ id: string }>('SELECT id FROM stores ORDER BY id');
  for (const store of stores.rows) await logChange(ctx.tx, 'store_settings', store.id, store.id, ctx.now);
  await ctx.audit({
    action: 'privacy.policy_edit',
    details: {
      version,
      erasureHoldDays: input.policy.erasureHoldDays,
      inactiveMemberMonths: input.policy.inactiveMemberMonths,
      auditRetentionYears: input.policy.auditRetentionYears,
      exportRetentionDays: input.policy.exportRetentionDays,
      confirmationTtlHours: input.policy.confirmationTtlHours,
    },
  });
  return { version };
};

/** Puts a member on legal hold (nothing erases or expires them) or lifts it (reason null). */
export const setLegalHold: ConsoleHandler<'setLegalHold'> = async (ctx, input) => {
  const updated = await ctx.tx.query<{ id: string }>(
    `UPDATE members SET legal_hold_reason = $2::text,
       legal_hold_at = CASE WHEN $2::text IS NULL THEN NULL ELSE $3::timestamptz END
      WHERE id = $1 AND erased_at IS NULL RETURNING id`,
    [input.memberId, input.reason, ctx.now],
  );
  if (updated.rows.length === 0) throw new ConsoleHttpError('member_not_found', `No member ${input.memberId}.`);
  await ctx.audit({
    action: 'member.legal_hold',
    subjectType: 'member',
    subjectId: input.memberId,
    details: { reason: input.reason },
  });
  return { memberId: input.memberId, legalHold: input.reason };
};

/**
 * A member's data export (GDPR Art. 15/20): built, kept for download until the policy's export
 * retention ends, and audited with its purpose. A retry gets the record without the document.
 */
export const exportMember: ConsoleHandler<'exportMember'> = async (ctx, input) => {
  const state = await memberExportState(ctx.tx, input.memberId);
  if (state === 'not_found') throw new ConsoleHttpError('member_not_found', `No member ${input.memberId}.`);
  if (state === 'erased') throw new ConsoleHttpError('member_erased', 'This member has been erased: nothing is held.');
  const policy = await readPrivacyPolicy(ctx.tx);
  const exportId = randomUUID();
  const expiresAt = new Date(ctx.now.getTime() + policy.exportRetentionDays * 24 * 60 * 60 * 1000);
  const document = await buildMemberExport(ctx.tx, {
    memberId: input.memberId,
    exportId,
    purpose: input.purpose,
    now: ctx.now,
    keys: ctx.deps.keys,
    ...(input.language ? { language: input.language } : {}),
  });
  if (!document) throw new ConsoleHttpError('member_not_found', `No member ${input.memberId}.`);
  await ctx.tx.query(
    `INSERT INTO member_exports (id, member_id, purpose, source, operator_id, created_at, expires_at, document)
     VALUES ($1, $2, $3, 'console', $4, $5, $6, $7::jsonb)`,
    [
      exportId,
      input.memberId,
      input.purpose,
      ctx.actor.operatorId,
      ctx.now,
      expiresAt,
      sealExportDocument(ctx.deps.keys, exportId, document),
    ],
  );
  await ctx.audit({
    action: 'member.data_request',
    subjectType: 'member',
    subjectId: input.memberId,
    details: { purpose: input.purpose, exportId },
  });
  return { exportId, expiresAt: expiresAt.toISOString(), document };
};

/** An audience for one purpose, recorded as a disclosure; a retry gets the record without the rows. */
export const exportAudienceHandler: ConsoleHandler<'exportAudience'> = async (ctx, input) => {
  const { requestId: _requestId, ...request } = input;
  try {
    const audience = await exportAudience(ctx.tx, request, {
      operatorId: ctx.actor.operatorId,
      now: ctx.now,
      pseudonymKey: ctx.deps.pseudonymKey,
      keys: ctx.deps.keys,
    });
    await ctx.audit({
      action: 'audience.export',
      subjectType: 'disclosure',
      subjectId: audience.disclosureId,
      details: { purpose: audience.purpose, members: audience.memberCount, fields: audience.fields.join('.') },
    });
    return audience;
  } catch (error) {
    if (error instanceof AudienceError) {
      throw new ConsoleHttpError('invalid_argument', error.message, { issues: [{ path: 'fields', code: error.code }] });
    }
    throw error;
  }
};

export const listDisclosuresHandler: ConsoleHandler<'listDisclosures'> = async (ctx) => ({
  disclosures: await listDisclosures(ctx.tx, 200),
});
