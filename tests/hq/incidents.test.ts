// The breach register through the console API (issue 14): who may do what, the 72-hour clock
// across its edge on HQ's injected clock, versions, the operator audit (ids and codes only), the
// incident's till revoked with a second operator, and the members' notification list per language
// (the erased member left out), on PGlite and PostgreSQL. The case is support/lost-till-case.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { incidentClock } from '../../packages/hq/src/incidents/clock';
import { eraseMember } from '../../packages/hq/src/privacy/erasure';
import { noticeText } from '../../packages/hq/src/incidents/notice-text';
import { A1, A2, CASHIER, M, NAME_OF, NOW, WINDOW, buildLostTillCase } from './support/lost-till-case';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

const HOUR = 60 * 60 * 1000;

describe('the 72-hour clock (pure)', () => {
  const awareAt = new Date('2026-03-01T10:00:00.000Z');
  const at = (iso: string) => new Date(iso);
  test.each([
    ['one minute before the edge', '2026-03-04T09:59:00.000Z', null, false, 'running', 60_000],
    ['exactly at the edge', '2026-03-04T10:00:00.000Z', null, false, 'running', 0],
    ['one second past it', '2026-03-04T10:00:01.000Z', null, false, 'overdue', -1000],
    ['told exactly at 72 h', '2026-03-05T00:00:00.000Z', '2026-03-04T10:00:00.000Z', false, 'notified_in_time', 0],
    ['told a second late', '2026-03-05T00:00:00.000Z', '2026-03-04T10:00:01.000Z', false, 'notified_late', -1000],
    ['decided not notifiable, past 72 h', '2026-03-06T00:00:00.000Z', null, true, 'not_notifiable', 0],
  ] as const)('%s', (_name, now, notifiedAt, notNotifiable, state, msLeft) => {
    const clock = incidentClock({
      awareAt,
      regulatorNotifiedAt: notifiedAt === null ? null : at(notifiedAt),
      notNotifiable,
      now: at(now),
    });
    expect(clock).toEqual({ state, msLeft, deadlineAt: at('2026-03-04T10:00:00.000Z') });
  });
});

describe('notice texts', () => {
  const values = {
    storeName: 'Riverside',
    from: new Date('2026-03-02T08:00:00Z'),
    to: new Date('2026-03-02T12:00:00Z'),
    contactPoint: 'privacy@chain.example',
    measures: { tillBlocked: true, accessStopped: false, regulatorNotified: true },
  };
  test('English: what happened, what data, what we did, what they can do, whom to contact', () => {
    const { subject, body } = noticeText('en', 'full_contacts', values);
    expect(subject).toBe('About your loyalty card details');
    expect(body.split('\n\n')).toEqual([
      'A till from our store Riverside was lost or stolen between 2 March 2026 and 2 March 2026.',
      'The till held your name, card number, date of birth if you gave it, your points, and your full phone number or e-mail address, which had not yet been sent on from the till. The till’s data is encrypted.',
      'We blocked the till so it can no longer connect to our systems. We have told the data protection authority.',
      'What you can do: be careful with calls, messages or e-mails that mention your loyalty card and ask for payment or passwords. We never ask for your PIN or passwords. You can ask us for a new card number.',
      'If you have questions, contact us at privacy@chain.example.',
    ]);
  });
  test('Russian, in Russian words and dates', () => {
    const { subject, body } = noticeText('ru', 'revealed', values);
    expect(subject).toBe('О данных вашей карты лояльности');
    expect(body).toContain(
      'В период с 2 марта 2026 г. по 2 марта 2026 г. в нашем магазине Riverside была утеряна или похищена касса.',
    );
    // The contact point may be a phone: "свяжитесь с нами", not "напишите нам".
    expect(body).toContain('Если у вас есть вопросы, свяжитесь с нами: privacy@chain.example.');
    // Latin letters only in the values filled in (the store's name, the contact point).
    expect(body.replace(/Riverside|privacy@chain\.example|PIN/g, '')).not.toMatch(/[A-Za-z]/);
  });

  // "What we did" (the third paragraph) says only what the register records as done.
  const none = { tillBlocked: false, accessStopped: false, regulatorNotified: false };
  test.each([
    [
      'a lost till, nothing done yet',
      'masked',
      none,
      'We are looking into what happened.',
      'Мы выясняем, что произошло.',
    ],
    [
      'the till revoked, the regulator not told',
      'revealed',
      { ...none, tillBlocked: true },
      'We blocked the till so it can no longer connect to our systems.',
      'Мы заблокировали кассу, и она больше не может подключиться к нашим системам.',
    ],
    [
      'the regulator told, the till not revoked',
      'full_contacts',
      { ...none, regulatorNotified: true },
      'We have told the data protection authority.',
      'Мы сообщили об этом в надзорный орган по защите данных.',
    ],
    [
      'staff misuse, the staff member still active',
      'touched',
      none,
      'We are looking into what happened.',
      'Мы выясняем, что произошло.',
    ],
    [
      'staff misuse, access stopped and the regulator told',
      'touched',
      { ...none, accessStopped: true, regulatorNotified: true },
      'We stopped this person’s access to our systems. We have told the data protection authority.',
      'Мы закрыли этому сотруднику доступ к нашим системам. Мы сообщили об этом в надзорный орган по защите данных.',
    ],
    [
      'staff misuse never speaks of a till, even one revoked',
      'touched',
      { ...none, tillBlocked: true },
      'We are looking into what happened.',
      'Мы выясняем, что произошло.',
    ],
  ] as const)('%s', (_name, exposure, measures, english, russian) => {
    expect(noticeText('en', exposure, { ...values, measures }).body.split('\n\n')[2]).toBe(english);
    expect(noticeText('ru', exposure, { ...values, measures }).body.split('\n\n')[2]).toBe(russian);
  });
});

describe.each(BACKENDS)('the breach register on %s', (backend) => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let officer: ConsoleClient;
  let secondOfficer: ConsoleClient;
  let auditor: ConsoleClient;
  let storeOps: ConsoleClient;

  beforeAll(async () => {
    if (skipBackend(backend)) return;
    hq = await startTestHq(backend, { console: true });
    await buildLostTillCase(hq.db, hq.keys);
    hq.clock.now = new Date(NOW);
    admin = (await firstAdmin(hq)).client;
    officer = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    secondOfficer = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    auditor = (await operatorWith(hq, admin, ['auditor'])).client;
    storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
  }, 180_000);
  afterAll(async () => {
    if (!skipBackend(backend)) await hq.close();
  });

  const body = <T>(response: { status: number; text: string; body: unknown }, status = 200): T => {
    expect(response.status, response.text).toBe(status);
    return response.body as T;
  };

  async function openLostTill(title = 'Till A1 missing after close'): Promise<{ incidentId: string; version: number }> {
    return body(
      await officer.call('openIncident', {
        kind: 'lost_till',
        title,
        awareAt: new Date(hq.clock.now.getTime() - HOUR).toISOString(),
        deviceId: A1,
        windowStart: WINDOW.start,
        windowEnd: WINDOW.end,
      }),
    );
  }

  test.skipIf(skipBackend(backend))(
    'roles: the officer edits, the auditor and chain admin read, store operations see nothing',
    async () => {
      const opened = await openLostTill();
      // The auditor reads the incident (clock, entries) but changes nothing and sees no members.
      expect((await auditor.call('getIncident', { incidentId: opened.incidentId })).status).toBe(200);
      expect((await auditor.call('listIncidents')).status).toBe(200);
      for (const [name, input] of [
        ['openIncident', { kind: 'other', title: 'x' }],
        ['addIncidentEntry', { incidentId: opened.incidentId, baseVersion: 1, kind: 'assessment', text: 'x' }],
        ['closeIncident', { incidentId: opened.incidentId, baseVersion: 1, text: 'x' }],
        ['computeIncidentExposure', { incidentId: opened.incidentId, baseVersion: 1 }],
        [
          'incidentNotificationList',
          { incidentId: opened.incidentId, exposures: ['revealed'], contactPoint: 'dpo@x.example' },
        ],
      ] as const) {
        expect((await auditor.call(name, input)).status, name).toBe(403);
      }
      expect((await auditor.call('listIncidentMembers', { incidentId: opened.incidentId })).status).toBe(403);
      expect((await admin.call('listIncidents')).status).toBe(200);
      expect((await admin.call('listIncidentMembers', { incidentId: opened.incidentId })).status).toBe(403);
      expect((await storeOps.call('listIncidents')).status).toBe(403);
      expect((await storeOps.call('getIncident', { incidentId: opened.incidentId })).status).toBe(403);
      expect((await storeOps.call('revokeIncidentTill', { incidentId: opened.incidentId })).status).toBe(403);
    },
  );

  test.skipIf(skipBackend(backend))(
    'awareness is never in the future, and a lost till names its till and window',
    async () => {
      const future = await officer.call('openIncident', {
        kind: 'other',
        title: 'Later',
        awareAt: new Date(hq.clock.now.getTime() + 60_000).toISOString(),
      });
      expect(future.status).toBe(422);
      expect(future.body).toMatchObject({ code: 'invalid_argument', issues: [{ path: 'awareAt', code: 'in_future' }] });
      const noTill = await officer.call('openIncident', { kind: 'stolen_till', title: 'Gone' });
      expect(noTill.body).toMatchObject({ code: 'invalid_argument', issues: [{ path: 'deviceId', code: 'required' }] });
      const noStaff = await officer.call('openIncident', {
        kind: 'staff_misuse',
        title: 'Snooping',
        staffId: 'nobody',
        windowStart: WINDOW.start,
        windowEnd: WINDOW.end,
      });
      expect(noStaff.status).toBe(404);
    },
  );

  test.skipIf(skipBackend(backend))(
    'the clock across the 72-hour edge on HQ’s clock, and "notified in time"',
    async () => {
      const start = hq.clock.now;
      const awareAt = new Date(start.getTime() - 72 * HOUR + 60_000);
      const opened = body<{ incidentId: string }>(
        await officer.call('openIncident', {
          kind: 'hq_exposure',
          title: 'Report sent to wrong address',
          awareAt: awareAt.toISOString(),
        }),
      );
      type Got = {
        serverNow: string;
        incident: { clock: { state: string; msLeft: number; deadlineAt: string }; version: number };
      };
      const first = body<Got>(await auditor.call('getIncident', { incidentId: opened.incidentId }));
      expect(first.serverNow).toBe(start.toISOString());
      expect(first.incident.clock).toEqual({
        state: 'running',
        msLeft: 60_000,
        deadlineAt: new Date(awareAt.getTime() + 72 * HOUR).toISOString(),
      });
      hq.clock.now = new Date(start.getTime() + 2 * 60_000);
      const later = body<Got>(await auditor.call('getIncident', { incidentId: opened.incidentId }));
      expect(later.incident.clock).toMatchObject({ state: 'overdue', msLeft: -60_000 });
      // Told within the 72 hours (recorded afterwards): in time; the list shows it the same way.
      const notifiedAt = new Date(awareAt.getTime() + 71 * HOUR).toISOString();
      body(
        await officer.call('recordRegulatorNotification', {
          incidentId: opened.incidentId,
          baseVersion: later.incident.version,
          notifiedAt,
          reference: 'ICO-2026-0042',
        }),
      );
      const list = body<{ incidents: { incidentId: string; clock: { state: string; msLeft: number } }[] }>(
        await admin.call('listIncidents'),
      );
      expect(list.incidents.find((row) => row.incidentId === opened.incidentId)?.clock).toMatchObject({
        state: 'notified_in_time',
        msLeft: HOUR,
      });
      hq.clock.now = start;
    },
  );

  test.skipIf(skipBackend(backend))(
    '"not notifiable" is a decision that stops the clock; closing needs the question answered',
    async () => {
      const opened = body<{ incidentId: string; version: number }>(
        await officer.call('openIncident', { kind: 'other', title: 'Printed list found in office bin' }),
      );
      const early = await officer.call('closeIncident', {
        incidentId: opened.incidentId,
        baseVersion: 1,
        text: 'Done.',
      });
      expect(early.body).toMatchObject({ issues: [{ path: 'incidentId', code: 'notification_undecided' }] });
      const decided = body<{ version: number }>(
        await officer.call('addIncidentEntry', {
          incidentId: opened.incidentId,
          baseVersion: 1,
          kind: 'decision',
          code: 'not_notifiable',
          text: 'Shredded on site; unlikely to result in a risk.',
        }),
      );
      expect(decided.version).toBe(2);
      const got = body<{ incident: { clock: { state: string } } }>(
        await officer.call('getIncident', { incidentId: opened.incidentId }),
      );
      expect(got.incident.clock.state).toBe('not_notifiable');
      body(
        await officer.call('closeIncident', {
          incidentId: opened.incidentId,
          baseVersion: 2,
          text: 'Closed: no risk.',
        }),
      );
      const closed = await officer.call('addIncidentEntry', {
        incidentId: opened.incidentId,
        baseVersion: 3,
        kind: 'assessment',
        text: 'More',
      });
      expect(closed.body).toMatchObject({ issues: [{ path: 'incidentId', code: 'closed' }] });
    },
  );

  test.skipIf(skipBackend(backend))(
    'a change made from an old version is refused; entries keep their order',
    async () => {
      const opened = await openLostTill('Versions');
      body(
        await officer.call('addIncidentEntry', {
          incidentId: opened.incidentId,
          baseVersion: 1,
          kind: 'assessment',
          text: 'First note',
        }),
      );
      const stale = await secondOfficer.call('addIncidentEntry', {
        incidentId: opened.incidentId,
        baseVersion: 1,
        kind: 'assessment',
        text: 'Written from an old page',
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'conflict' });
      body(
        await secondOfficer.call('addIncidentEntry', {
          incidentId: opened.incidentId,
          baseVersion: 2,
          kind: 'assessment',
          text: 'Second note',
        }),
      );
      const got = body<{
        entries: { kind: string; code: string | null; text: string }[];
        incident: { version: number };
      }>(await officer.call('getIncident', { incidentId: opened.incidentId }));
      expect(got.incident.version).toBe(3);
      expect(got.entries.map((entry) => [entry.kind, entry.code, entry.text])).toEqual([
        ['action', 'opened', ''],
        ['assessment', null, 'First note'],
        ['assessment', null, 'Second note'],
      ]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'staff misuse: who the named cashier touched, and their notification list',
    async () => {
      const opened = body<{ incidentId: string }>(
        await officer.call('openIncident', {
          kind: 'staff_misuse',
          title: 'Cashier browsing records',
          staffId: CASHIER,
          windowStart: '2026-03-02T00:00:00.000Z',
          windowEnd: '2026-03-02T13:59:00.000Z',
        }),
      );
      expect(
        body(await officer.call('computeIncidentExposure', { incidentId: opened.incidentId, baseVersion: 1 })),
      ).toEqual({ version: 2, exposure: { masked: 0, full_contacts: 0, revealed: 0, touched: 6 }, unresolved: 1 });
      const listed = body<{ touched: { memberId: string; actions: Record<string, number>; devices: string[] }[] }>(
        await officer.call('listIncidentMembers', { incidentId: opened.incidentId }),
      );
      expect(listed.touched.find((row) => row.memberId === M.dina)).toMatchObject({
        actions: { viewed: 1, searched: 1, changed: 1, revealed: 0, exported: 0, points: 0 },
        devices: [A1, A2],
      });
      const list = body<{ erasedExcluded: number; rows: { memberId: string; exposure: string; notice: string }[] }>(
        await officer.call('incidentNotificationList', {
          incidentId: opened.incidentId,
          exposures: ['touched'],
          contactPoint: 'privacy@chain.example',
        }),
      );
      // ivan's export was renamed by his erasure (unresolved above): everyone touched gets the notice.
      expect(list.erasedExcluded).toBe(0);
      expect(list.rows.map((row) => NAME_OF[row.memberId])).toEqual(['anna', 'vera', 'gleb', 'dina', 'kira', 'lev']);
      const anna = list.rows.find((row) => row.memberId === M.anna);
      // anna read the privacy notice in Russian: her notice is in Russian. The cashier is still
      // active and the regulator not told: the notice claims neither.
      expect(anna?.notice).toContain('сотрудник магазина Riverside просматривал записи участников');
      expect(anna?.notice.split('\n\n')[2]).toBe('Мы выясняем, что произошло.');
    },
  );

  test.skipIf(skipBackend(backend))(
    'lost till: revoked with a second officer, computed, listed, notified — audited by ids only',
    async () => {
      const title = 'Lost till Riverside Anna Petrova';
      const opened = await openLostTill(title);
      // Revoking asks for a second operator first, as devices.revoke does.
      const asked = await officer.call('revokeIncidentTill', { incidentId: opened.incidentId });
      expect(asked.status).toBe(409);
      const { approvalId } = asked.body as { approvalId: string };
      expect((await officer.call('approve', { approvalId })).body).toMatchObject({ code: 'approval_self' });
      expect((await secondOfficer.call('approve', { approvalId })).status).toBe(200);
      const revoked = body<{ deviceId: string; revokedAt: string }>(
        await officer.call('revokeIncidentTill', { incidentId: opened.incidentId, approvalId }),
      );
      expect(revoked).toEqual({ deviceId: A1, revokedAt: hq.clock.now.toISOString() });

      const computed = body<{ version: number; exposure: Record<string, number>; unresolved: number }>(
        await officer.call('computeIncidentExposure', { incidentId: opened.incidentId, baseVersion: 1 }),
      );
      // ivan (erased after the till's last contact) counts as masked under a token; his export and the
      // other renamed reveal are unresolved.
      expect(computed).toEqual({
        version: 2,
        exposure: { masked: 4, full_contacts: 2, revealed: 2, touched: 0 },
        unresolved: 2,
      });
      const kept = await hq.db.query<{ member_id: string; exposure: string }>(
        'SELECT member_id, exposure FROM incident_members WHERE incident_id = $1 ORDER BY member_id',
        [opened.incidentId],
      );
      expect(kept.rows.filter((row) => row.member_id.startsWith('es_')).map((row) => row.exposure)).toEqual(['masked']);
      expect(JSON.stringify(kept.rows)).not.toContain(M.ivan);
      const got = body<{ till: { revokedAt: string | null; dayEnd: { opsNotReceived: number } | null } }>(
        await auditor.call('getIncident', { incidentId: opened.incidentId }),
      );
      expect(got.till).toMatchObject({ revokedAt: revoked.revokedAt, dayEnd: { opsNotReceived: 2 } });

      const members = body<{
        members: { memberId: string; exposure: string; cardMasked: string | null; erased: boolean }[];
        sources: Record<string, string[]>;
      }>(await officer.call('listIncidentMembers', { incidentId: opened.incidentId }));
      // Only members HQ can still name are listed (ivan's token is counted above).
      expect(members.members.map((m) => `${NAME_OF[m.memberId]}:${m.exposure}${m.erased ? ':erased' : ''}`)).toEqual([
        'gleb:revealed',
        'kira:revealed',
        'vera:full_contacts',
        'dina:full_contacts',
        'anna:masked',
        'boris:masked',
        'lev:masked',
      ]);
      expect(members.members[0]?.cardMasked).toBe('•••• 0004');
      expect(members.sources[M.kira]).toEqual(['hq_contacts', 'pulled']);

      const listRequest = {
        requestId: '40000000-0000-4000-8000-000000000001',
        incidentId: opened.incidentId,
        exposures: ['revealed', 'full_contacts'],
        contactPoint: 'privacy@chain.example',
      };
      const list = body<{
        disclosureId: string;
        erasedExcluded: number;
        withoutContact: number;
        rows: {
          memberId: string;
          name: string;
          channel: string | null;
          contact: string | null;
          language: string;
          exposure: string;
          notice: string;
        }[];
      }>(await officer.call('incidentNotificationList', listRequest));
      expect(list.erasedExcluded).toBe(0);
      expect(list.withoutContact).toBe(0);
      expect(
        list.rows.map((row) => [NAME_OF[row.memberId], row.name, row.channel, row.contact, row.language, row.exposure]),
      ).toEqual([
        // vera read the notice in English; gleb and kira never consented: their home store (Nevsky) is Russian.
        ['vera', 'Vera Smirnova', 'email', 'vera@example.com', 'en', 'full_contacts'],
        ['gleb', 'Gleb Orlov', 'email', 'gleb@example.com', 'ru', 'revealed'],
        ['dina', 'Dina Kuznetsova', 'phone', '+447700900005', 'en', 'full_contacts'],
        ['kira', 'Kira Lebedeva', 'email', 'kira@example.com', 'ru', 'revealed'],
      ]);
      const gleb = list.rows.find((row) => row.memberId === M.gleb);
      expect(gleb?.notice).toContain('в нашем магазине Riverside');
      // Revoked above, the regulator not yet told: the notice says the first only.
      expect(gleb?.notice.split('\n\n')[2]).toBe(
        'Мы заблокировали кассу, и она больше не может подключиться к нашим системам.',
      );
      // No notice names anyone or any contact: not even its own member's.
      for (const row of list.rows) {
        for (const other of ['Vera', 'Gleb', 'Dina', 'Kira', '@example.com', '+4477'])
          expect(row.notice).not.toContain(other);
      }
      // A retry of the same request gets the record, not the contacts again, and no second disclosure.
      const retried = body<{ disclosureId: string; rows: unknown[] }>(
        await officer.call('incidentNotificationList', listRequest),
      );
      expect(retried).toMatchObject({ disclosureId: list.disclosureId, rows: [] });
      const disclosure = await hq.db.query<{ purpose: string; member_count: number }>(
        'SELECT purpose, member_count FROM disclosures WHERE id = $1',
        [list.disclosureId],
      );
      expect(disclosure.rows[0]).toEqual({ purpose: 'breach_notification', member_count: 4 });

      body(
        await officer.call('recordMembersNotification', {
          incidentId: opened.incidentId,
          baseVersion: 2,
          notifiedAt: hq.clock.now.toISOString(),
        }),
      );

      const audit = await hq.db.query<{ action: string; subject_id: string | null; details: unknown }>(
        `SELECT action, subject_id, details FROM operator_audit WHERE subject_id IN ($1, $2) ORDER BY seq`,
        [opened.incidentId, A1],
      );
      const trail = audit.rows.map((row) => {
        const details = (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<
          string,
          unknown
        >;
        return [row.action, details.change ?? details.purpose ?? null];
      });
      expect(trail).toEqual([
        ['incidents.edit', 'opened'],
        ['devices.revoke', null],
        ['incidents.edit', 'till_revoked'],
        ['incidents.edit', 'exposure_computed'],
        ['incidents.members', null],
        ['incidents.notification_list', 'breach_notification'],
        ['incidents.edit', 'members_notified'],
      ]);
      const everything = JSON.stringify(audit.rows);
      for (const secret of [title, 'Anna', 'vera@example.com', 'privacy@chain.example', CASHIER]) {
        expect(everything).not.toContain(secret);
      }

      // kira is erased since: the erasure renames her in incident_members; the next list leaves her out.
      await hq.db.transaction((tx) => eraseMember(tx, M.kira, hq.clock.now));
      const after = body<{ erasedExcluded: number; rows: { memberId: string }[] }>(
        await officer.call('incidentNotificationList', { ...listRequest, requestId: randomUUID() }),
      );
      expect(after.erasedExcluded).toBe(1);
      expect(after.rows.map((row) => NAME_OF[row.memberId])).toEqual(['vera', 'gleb', 'dina']);
    },
  );
});
