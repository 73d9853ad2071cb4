import type { AuditLike } from '../../src/shared/detection/audit-activity';
import type { MemberRelation } from '../../src/shared/detection/activity';
import type { StoreHours } from '../../src/shared/detection/policy';
import { prng } from './prng';

/**
 * A seeded store: 21 days of honest history, then a week in which one cashier snoops. Everything is
 * written as the tills' audit entries (the actions and details src/main writes), so the detection
 * tests run the mapping (activityFromAudit) as well as the rules.
 *
 * The store: open 08:00–21:00 Europe/London, three tills and a back-office PC, six cashiers on an
 * early (08:00–14:30) and a late (14:30–21:00) shift with two days off a week, two managers (one
 * early, one late; one alone does the whole day when the other is off). The week is Monday 23 to
 * Sunday 29 March 2026: the clocks go forward on its Sunday, so store hours are read in BST there.
 *
 * Honest behaviour, as modelled (each a decision the false-positive figures depend on):
 * - Customers arrive by the hour with lunch (12–14) and evening (17–19) peaks; Saturday is the
 *   busiest day, Sunday next. Each is served by one staff member on duty (a manager now and then).
 * - A customer: a search (card, phone, e-mail or name), the member opened, and usually something
 *   done a few minutes later (earn, redeem, both, a consent or profile change); 13% only check
 *   their balance (opened, no transaction); 3% are not found and leave; 4% enrol (search with no
 *   result, enrolment, the new member opened, consent, earn). A returning customer's second visit
 *   the same day is a new search and open. Each search records the members it listed (the till's
 *   member.searched details.memberIds): a card or e-mail lists the customer; a phone lists them, or
 *   a household of two sharing it; a name lists 2–5 namesakes with the customer among them, read
 *   down before the right one is opened. One name or phone search in ten misses (the customer is
 *   listed under another name or number): that list is read and left, and a card search follows.
 * - Staff buy things too, served by a colleague on duty (a colleague's record opened WITH a sale);
 *   nobody opens their own record or a colleague's without a purchase: the store's rule, and what
 *   own_or_colleague enforces.
 * - Sign-ins at the start of a shift, after the break and after idle locks: 4% of them start with
 *   a mistyped PIN, 0.5% with two. A manager approving mistypes 5% of the time.
 * - A manager approves about four adjustments a day (mostly 10–200 points, a quarter 200–800,
 *   5% 800–1,500) and one or two reversals of an earn, asked by the cashier serving; reveals a
 *   customer's contacts about once a day (then corrects them); exports a customer's data at their
 *   request on about one day in seven (opened, exported, nothing sold).
 * - Nobody touches a member outside store hours: the queue at closing is served by 21:00.
 *
 * The snoop (cashier 4), only in the week: three shifts of misuse (chosen by the seed), besides
 * serving customers as usual. Every look-up of an acquaintance is a search by name whose list (2–4
 * members, the acquaintance among namesakes) shows them —
 *   burst:  8–14 acquaintances looked up by name in 20–45 minutes of a quiet hour, nothing sold,
 *           3–6 of them only read off the result list (not opened), and a colleague's record
 *           opened with nothing sold;
 *   spread: 10–15 acquaintances across the shift, 3–6 more only read off the list; and at the
 *           back-office PC, where a manager left
 *           their session open, an acquaintance opened and an export tried: six wrong guesses at
 *           that manager's PIN (the export asks for it again), then they give up;
 *   after:  4–6 acquaintances across a late shift, then signed in again at 21:10–21:40 to look up
 *           one or two more (an early shift: before opening, 07:15–07:45).
 * Every entry the misuse wrote is in `planted`, with the index of its shift in `shifts`.
 */
export interface SimStaff {
  id: string;
  role: 'cashier' | 'manager';
  /** Their own loyalty member record. */
  memberId: string;
}

export interface SimShift {
  staffId: string;
  day: string;
  start: string;
  end: string;
  deviceId: string;
  /** Only the snoop's misuse shifts. */
  misuse: 'burst' | 'spread' | 'after' | null;
}

export interface StoreWeek {
  storeHours: StoreHours;
  staff: SimStaff[];
  snoopId: string;
  historyDays: string[];
  weekDays: string[];
  shifts: SimShift[];
  /** In time order, seq counted per device. */
  entries: AuditLike[];
  /** `${deviceId}#${seq}` of every entry the misuse wrote → the index of its shift in `shifts`. */
  planted: Map<string, number>;
  relationOf: (memberId: string, staffId: string) => MemberRelation | undefined;
}

export const STORE_HOURS: StoreHours = { opens: '08:00', closes: '21:00', timeZone: 'Europe/London' };
const FIRST_DAY = '2026-03-02'; // a Monday; 21 days of history, then the week of 23 March
const HISTORY_DAYS = 21;
const MEMBERS = 5_000;
const CASHIERS = 6;
const SNOOP = 3;
const OFFICE = 'office-pc';
/** Customers on an ordinary day, by weekday (Monday first). */
const CUSTOMERS_PER_DAY = [300, 290, 300, 320, 360, 480, 400];
/** Relative arrivals for the hours 08–20. */
const HOURLY = [3, 4, 5, 7, 11, 10, 6, 5, 6, 10, 11, 8, 4];
const HOURLY_TOTAL = HOURLY.reduce((a, b) => a + b, 0);

const MINUTE = 60_000;
const SECOND = 1_000;

export const refKey = (deviceId: string | undefined, seq: number) => `${deviceId ?? ''}#${seq}`;

export function simulateStoreWeek(seed: number): StoreWeek {
  const random = prng(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const int = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const poisson = (mean: number) => {
    // Knuth's: fine for the means here (< 100).
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  };
  /** Regulars come more often: member ids skewed towards the low numbers. */
  const member = () => `member-${String(Math.floor(MEMBERS * random() ** 2)).padStart(5, '0')}`;

  const cashiers: SimStaff[] = Array.from({ length: CASHIERS }, (_, i) => ({
    id: `staff-c${i + 1}`,
    role: 'cashier',
    memberId: `member-staff-c${i + 1}`,
  }));
  const managers: SimStaff[] = [1, 2].map((n) => ({
    id: `staff-m${n}`,
    role: 'manager',
    memberId: `member-staff-m${n}`,
  }));
  const staff = [...cashiers, ...managers];
  const snoop = cashiers[SNOOP]!;
  const ownerOf = new Map(staff.map((s) => [s.memberId, s.id]));
  const relationOf = (memberId: string, staffId: string): MemberRelation | undefined => {
    const owner = ownerOf.get(memberId);
    return owner === undefined ? undefined : owner === staffId ? 'self' : 'colleague';
  };
  const acquaintances = Array.from({ length: 30 }, member);

  const days = Array.from({ length: HISTORY_DAYS + 7 }, (_, d) => addDays(FIRST_DAY, d));
  const rotaOffset = int(0, 6);

  interface Raw extends Omit<AuditLike, 'seq' | 'deviceId'> {
    atMs: number;
    deviceId: string;
    plantedShift?: number;
  }
  const raws: Raw[] = [];
  let requestNo = 0;
  const write = (
    atMs: number,
    deviceId: string,
    staffId: string | null,
    action: string,
    subject: { type: string; id: string } | null = null,
    details: AuditLike['details'] = {},
    plantedShift?: number,
  ) => {
    raws.push({
      atMs,
      at: new Date(atMs).toISOString(),
      deviceId,
      staffId,
      action,
      subjectType: subject?.type ?? null,
      subjectId: subject?.id ?? null,
      details,
      ...(plantedShift === undefined ? {} : { plantedShift }),
    });
  };
  const m = (id: string) => ({ type: 'member', id });
  const opId = () => `op-${++requestNo}`;

  const signIn = (atMs: number, deviceId: string, staffId: string, planted?: number) => {
    const typos = chance(0.005) ? 2 : chance(0.04) ? 1 : 0;
    for (let i = 1; i <= typos; i++) {
      const details = { purpose: 'login', consecutive: i, reason: 'wrong_pin' };
      write(
        atMs - (typos - i + 1) * 8 * SECOND,
        deviceId,
        staffId,
        'session.login_failed',
        { type: 'staff', id: staffId },
        details,
        planted,
      );
    }
    write(atMs, deviceId, staffId, 'session.login', { type: 'staff', id: staffId }, {}, planted);
  };

  // The rota.
  const shifts: SimShift[] = [];
  const onDuty: { staffId: string; deviceId: string; startMs: number; endMs: number; role: SimStaff['role'] }[][] = [];
  for (const [d, day] of days.entries()) {
    const k = (d + rotaOffset) % 7;
    const working = cashiers.filter((_, i) => (i + k) % 7 > 1);
    const rotated = working.map((_, i) => working[(i + d) % working.length]!);
    const earlyCount = Math.ceil(rotated.length / 2);
    const early = [localMs(day, '08:00'), localMs(day, '14:30')] as const;
    const late = [localMs(day, '14:30'), localMs(day, '21:00')] as const;
    const today: (typeof onDuty)[number] = [];
    rotated.forEach((cashier, i) => {
      const [startMs, endMs] = i < earlyCount ? early : late;
      const deviceId = `till-${(i < earlyCount ? i : i - earlyCount) + 1}`;
      today.push({ staffId: cashier.id, deviceId, startMs, endMs, role: 'cashier' });
    });
    const m1On = (d + rotaOffset) % 7 < 5;
    const m2On = (d + rotaOffset + 3) % 7 < 5;
    if (m1On && m2On) {
      today.push({ staffId: 'staff-m1', deviceId: OFFICE, startMs: early[0], endMs: early[1], role: 'manager' });
      today.push({ staffId: 'staff-m2', deviceId: OFFICE, startMs: late[0], endMs: late[1], role: 'manager' });
    } else {
      const alone = m1On ? 'staff-m1' : 'staff-m2';
      today.push({ staffId: alone, deviceId: OFFICE, startMs: early[0], endMs: late[1], role: 'manager' });
    }
    onDuty.push(today);
    for (const s of today) {
      shifts.push({
        staffId: s.staffId,
        day,
        start: new Date(s.startMs).toISOString(),
        end: new Date(s.endMs).toISOString(),
        deviceId: s.deviceId,
        misuse: null,
      });
    }
  }

  // Sign-ins: the start, after the break, two idle locks.
  for (const today of onDuty) {
    for (const s of today) {
      signIn(s.startMs - int(2, 10) * MINUTE, s.deviceId, s.staffId);
      const span = s.endMs - s.startMs;
      signIn(s.startMs + span * between(0.4, 0.6), s.deviceId, s.staffId);
      for (let i = 0; i < 2; i++) signIn(s.startMs + span * random(), s.deviceId, s.staffId);
    }
  }

  /** Who is at a till at an instant: cashiers mostly, the manager on duty now and then. */
  const serverAt = (d: number, atMs: number, not?: string) => {
    const here = onDuty[d]!.filter((s) => s.startMs <= atMs && atMs < s.endMs && s.staffId !== not);
    const tills = here.filter((s) => s.role === 'cashier');
    const manager = here.find((s) => s.role === 'manager');
    if (manager && (tills.length === 0 || chance(0.05))) return { ...manager, deviceId: 'till-3' };
    return tills.length > 0 ? pick(tills) : null;
  };
  const managerAt = (d: number, atMs: number) =>
    onDuty[d]!.find((s) => s.role === 'manager' && s.startMs <= atMs && atMs < s.endMs) ?? null;

  /** A member.searched entry as access-audit.ts writes it: the listed members' ids joined by ','. */
  const searched = (
    atMs: number,
    deviceId: string,
    staffId: string,
    by: string,
    listed: readonly string[],
    plantedShift?: number,
  ) =>
    write(
      atMs,
      deviceId,
      staffId,
      'member.searched',
      null,
      { by, results: listed.length, memberIds: listed.join(',') },
      plantedShift,
    );
  /** What a search for `memberId` by `by` lists: namesakes around them by name, a household by phone. */
  const listFor = (by: 'card' | 'phone' | 'email' | 'name', memberId: string): string[] => {
    if (by === 'name') {
      const list = Array.from({ length: int(1, 4) }, member);
      list.splice(int(0, list.length), 0, memberId);
      return [...new Set(list)];
    }
    if (by === 'phone' && chance(0.15)) return chance(0.5) ? [memberId, member()] : [member(), memberId];
    return [memberId];
  };

  /** One customer served: returns when the member was opened and the till it happened on. */
  const serve = (d: number, arrivalMs: number, server: { staffId: string; deviceId: string }, memberId: string) => {
    const { staffId, deviceId } = server;
    let t = arrivalMs;
    let by = pick(['card', 'card', 'card', 'card', 'phone', 'phone', 'email', 'name'] as const);
    if (chance(0.04)) {
      // A new member: not found, enrolled, opened, consent, first earn.
      const newId = `member-new-${d}-${++requestNo}`;
      searched(t, deviceId, staffId, by, []);
      t += between(60, 150) * SECOND;
      write(t, deviceId, staffId, 'member.enrolled', m(newId));
      t += between(2, 8) * SECOND;
      write(t, deviceId, staffId, 'member.viewed', m(newId));
      t += between(10, 40) * SECOND;
      write(t, deviceId, staffId, 'consent.changed', m(newId), {
        opId: opId(),
        purpose: 'marketing_email',
        granted: true,
        noticeVersion: 'v1',
      });
      t += between(20, 90) * SECOND;
      write(t, deviceId, staffId, 'points.earned', m(newId), { opId: opId(), points: int(2, 80) });
      return null;
    }
    if (chance(0.03)) {
      searched(t, deviceId, staffId, by, []);
      return null;
    }
    if ((by === 'name' || by === 'phone') && chance(0.1)) {
      // Listed under another name or number: the list is read, the customer is not on it; the card then.
      searched(t, deviceId, staffId, by, by === 'name' ? Array.from({ length: int(2, 5) }, member) : [member()]);
      t += between(15, 60) * SECOND;
      by = 'card';
    }
    searched(t, deviceId, staffId, by, listFor(by, memberId));
    t += between(5, 40) * SECOND;
    write(t, deviceId, staffId, 'member.viewed', m(memberId));
    const openedMs = t;
    if (chance(0.13)) return { openedMs, staffId, deviceId, memberId, sold: false, doneMs: openedMs }; // a balance check
    t += between(45, 240) * SECOND;
    const what = random();
    if (what < 0.75) write(t, deviceId, staffId, 'points.earned', m(memberId), { opId: opId(), points: int(1, 150) });
    else if (what < 0.85) {
      write(t, deviceId, staffId, 'points.redeemed', m(memberId), {
        opId: opId(),
        points: -int(100, 1000),
        rewardId: 'reward-1',
      });
    } else if (what < 0.92) {
      write(t, deviceId, staffId, 'points.earned', m(memberId), { opId: opId(), points: int(1, 150) });
      t += between(20, 60) * SECOND;
      write(t, deviceId, staffId, 'points.redeemed', m(memberId), {
        opId: opId(),
        points: -int(100, 500),
        rewardId: 'reward-2',
      });
    } else if (what < 0.96) {
      write(t, deviceId, staffId, 'consent.changed', m(memberId), {
        opId: opId(),
        purpose: pick(['marketing_email', 'marketing_sms'] as const),
        granted: chance(0.5),
        noticeVersion: 'v1',
      });
    } else write(t, deviceId, staffId, 'member.updated', m(memberId), { opId: opId(), fields: 'email' });
    return { openedMs, staffId, deviceId, memberId, sold: true, doneMs: t };
  };

  /** A manager's approval at a cashier's till, sometimes after a mistyped PIN. */
  const approve = (atMs: number, deviceId: string, cashierId: string, managerId: string, action: string) => {
    if (chance(0.05)) {
      write(
        atMs - 15 * SECOND,
        deviceId,
        cashierId,
        'session.login_failed',
        { type: 'staff', id: managerId },
        {
          purpose: 'approval',
          consecutive: 1,
          reason: 'wrong_pin',
          approverId: managerId,
        },
      );
    }
    const approvalId = `approval-${++requestNo}`;
    write(
      atMs,
      deviceId,
      cashierId,
      'approval.granted',
      { type: 'approval', id: approvalId },
      {
        action,
        requestedBy: cashierId,
        approverId: managerId,
      },
    );
    write(atMs + 2 * SECOND, deviceId, cashierId, 'approval.used', { type: 'approval', id: approvalId }, { action });
    return approvalId;
  };

  // Customers, corrections, reveals, exports and staff purchases, day by day.
  for (const [d, day] of days.entries()) {
    const weekday = d % 7;
    const dayNoise = between(0.9, 1.1);
    for (const [h, weight] of HOURLY.entries()) {
      const hourStart = localMs(day, `${String(8 + h).padStart(2, '0')}:00`);
      const arrivals = poisson(((CUSTOMERS_PER_DAY[weekday]! * weight) / HOURLY_TOTAL) * dayNoise);
      for (let i = 0; i < arrivals; i++) {
        // The last customers are in by 20:50 and served before the doors close.
        const arrivalMs = hourStart + random() * (h === HOURLY.length - 1 ? 50 : 60) * MINUTE;
        const server = serverAt(d, arrivalMs);
        if (server) serve(d, arrivalMs, server, member());
      }
    }
    const openMs = localMs(day, '08:30');
    const closeMs = localMs(day, '20:30');
    const corrections = poisson(4) + poisson(1.5);
    for (let i = 0; i < corrections; i++) {
      const atMs = between(openMs, closeMs);
      const server = serverAt(d, atMs);
      const manager = managerAt(d, atMs);
      if (!server || !manager || server.staffId === manager.staffId) continue;
      const served = serve(d, atMs, server, member());
      if (!served?.sold) continue;
      const t = served.doneMs + between(30, 120) * SECOND;
      const adjust = i < corrections - 1 || chance(0.5);
      const size = random();
      const points = adjust
        ? (chance(0.7) ? 1 : -1) * (size < 0.7 ? int(10, 200) : size < 0.95 ? int(200, 800) : int(800, 1500))
        : -int(5, 150);
      const approvalId = approve(
        t,
        server.deviceId,
        server.staffId,
        manager.staffId,
        adjust ? 'points.adjust' : 'points.reverse',
      );
      write(
        t + 3 * SECOND,
        server.deviceId,
        server.staffId,
        adjust ? 'points.adjusted' : 'points.reversed',
        m(served.memberId),
        {
          opId: opId(),
          points,
          approvalId,
          approvedBy: manager.staffId,
          reasonCode: adjust ? 'goodwill' : 'return',
        },
      );
    }
    for (let i = poisson(1); i > 0; i--) {
      const atMs = between(openMs, closeMs);
      const manager = managerAt(d, atMs);
      if (!manager) continue;
      const served = serve(d, atMs, { staffId: manager.staffId, deviceId: 'till-3' }, member());
      if (!served) continue;
      const t = served.openedMs + between(30, 90) * SECOND;
      write(t, 'till-3', manager.staffId, 'member.contacts_revealed', m(served.memberId), {
        reasonCode: 'member_request',
      });
      write(t + between(40, 120) * SECOND, 'till-3', manager.staffId, 'member.updated', m(served.memberId), {
        opId: opId(),
        fields: 'email',
      });
    }
    if (chance(1 / 7)) {
      const atMs = between(openMs, closeMs);
      const manager = managerAt(d, atMs);
      if (manager) {
        const memberId = member();
        searched(atMs, 'till-3', manager.staffId, 'card', [memberId]);
        write(atMs + 20 * SECOND, 'till-3', manager.staffId, 'member.viewed', m(memberId));
        write(atMs + between(2, 5) * MINUTE, 'till-3', manager.staffId, 'member.exported', m(memberId), {
          purpose: 'access',
          source: 'hq',
          complete: true,
          requestId: `request-${++requestNo}`,
        });
      }
    }
    for (const s of onDuty[d]!) {
      if (!chance(0.15)) continue;
      const atMs = between(s.startMs + 30 * MINUTE, s.endMs - 30 * MINUTE);
      const server = serverAt(d, atMs, s.staffId);
      const buyer = staff.find((x) => x.id === s.staffId)!;
      if (!server) continue;
      searched(atMs, server.deviceId, server.staffId, 'card', [buyer.memberId]);
      write(atMs + 15 * SECOND, server.deviceId, server.staffId, 'member.viewed', m(buyer.memberId));
      write(atMs + between(60, 180) * SECOND, server.deviceId, server.staffId, 'points.earned', m(buyer.memberId), {
        opId: opId(),
        points: int(1, 60),
      });
    }
  }

  // The snoop's week.
  const weekStart = HISTORY_DAYS;
  const snoopShifts = shifts
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.staffId === snoop.id && days.indexOf(s.day) >= weekStart);
  const chosen = shuffle(snoopShifts, random).slice(0, 3);
  // The after-hours look-up goes on a late shift when there is one.
  chosen.sort(
    (a, b) =>
      Number(Date.parse(a.s.end) === localMs(a.s.day, '21:00')) -
      Number(Date.parse(b.s.end) === localMs(b.s.day, '21:00')),
  );
  const kinds = ['burst', 'spread', 'after'] as const;
  /** An acquaintance looked up by name: the list (namesakes and them) shows their card and balance. */
  const snoopList = (atMs: number, deviceId: string, staffId: string, memberId: string, shift: number) => {
    const list = Array.from({ length: int(1, 3) }, member);
    list.splice(int(0, list.length), 0, memberId);
    searched(atMs, deviceId, staffId, 'name', [...new Set(list)], shift);
  };
  const snoopLook = (atMs: number, deviceId: string, staffId: string, memberId: string, shift: number) => {
    snoopList(atMs, deviceId, staffId, memberId, shift);
    const viewedMs = atMs + between(10, 40) * SECOND;
    write(viewedMs, deviceId, staffId, 'member.viewed', m(memberId), {}, shift);
    return viewedMs;
  };
  for (const [n, { s, i }] of chosen.entries()) {
    const kind = kinds[n]!;
    s.misuse = kind;
    const startMs = Date.parse(s.start);
    const endMs = Date.parse(s.end);
    const people = shuffle(acquaintances, random);
    if (kind === 'burst') {
      const quiet = startMs === localMs(s.day, '08:00') ? localMs(s.day, '09:00') : localMs(s.day, '15:00');
      let t = quiet + between(0, 60) * MINUTE;
      const count = int(8, 14);
      const readOnly = int(3, 6);
      const span = between(20, 45) * MINUTE;
      for (const [k, person] of people.slice(0, count).entries()) {
        // The first few only read off the list: their card and balance are on it.
        if (k < readOnly) snoopList(t, s.deviceId, snoop.id, person, i);
        else snoopLook(t, s.deviceId, snoop.id, person, i);
        t += span / count;
      }
      const colleague = pick(staff.filter((x) => x.id !== snoop.id));
      snoopLook(between(startMs + 30 * MINUTE, endMs - 30 * MINUTE), s.deviceId, snoop.id, colleague.memberId, i);
    } else if (kind === 'spread') {
      for (const person of people.slice(0, int(10, 15))) {
        snoopLook(between(startMs + 10 * MINUTE, endMs - 10 * MINUTE), s.deviceId, snoop.id, person, i);
      }
      for (const person of people.slice(21, 21 + int(3, 6))) {
        snoopList(between(startMs + 10 * MINUTE, endMs - 10 * MINUTE), s.deviceId, snoop.id, person, i);
      }
      const tryAt = between(startMs + 60 * MINUTE, endMs - 60 * MINUTE);
      const manager = managerAt(days.indexOf(s.day), tryAt)!;
      const viewedMs = snoopLook(tryAt, OFFICE, manager.staffId, people[20]!, i);
      for (let k = 1; k <= 6; k++) {
        write(
          viewedMs + k * between(15, 35) * SECOND,
          OFFICE,
          manager.staffId,
          'session.login_failed',
          { type: 'staff', id: manager.staffId },
          {
            purpose: 'approval',
            consecutive: k,
            reason: 'wrong_pin',
          },
          i,
        );
      }
    } else {
      for (const person of people.slice(0, int(4, 6))) {
        snoopLook(between(startMs + 10 * MINUTE, endMs - 10 * MINUTE), s.deviceId, snoop.id, person, i);
      }
      const late = endMs === localMs(s.day, '21:00');
      let t = late
        ? localMs(s.day, '21:10') + between(0, 20) * MINUTE
        : localMs(s.day, '07:15') + between(0, 20) * MINUTE;
      write(t, s.deviceId, snoop.id, 'session.login', { type: 'staff', id: snoop.id }, {}, i);
      for (const person of people.slice(6, 6 + int(1, 2))) {
        t = snoopLook(t + between(20, 60) * SECOND, s.deviceId, snoop.id, person, i);
      }
      write(
        t + between(30, 90) * SECOND,
        s.deviceId,
        snoop.id,
        'session.logout',
        { type: 'staff', id: snoop.id },
        {},
        i,
      );
    }
  }

  // Time order; each device numbers its own chain.
  raws.sort((a, b) => a.atMs - b.atMs);
  const seqs = new Map<string, number>();
  const planted = new Map<string, number>();
  const entries: AuditLike[] = raws.map(({ atMs: _atMs, plantedShift, ...raw }) => {
    const seq = (seqs.get(raw.deviceId) ?? 0) + 1;
    seqs.set(raw.deviceId, seq);
    if (plantedShift !== undefined) planted.set(refKey(raw.deviceId, seq), plantedShift);
    return { ...raw, seq };
  });

  return {
    storeHours: STORE_HOURS,
    staff,
    snoopId: snoop.id,
    historyDays: days.slice(0, HISTORY_DAYS),
    weekDays: days.slice(HISTORY_DAYS),
    shifts,
    entries,
    planted,
    relationOf,
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The instant of a wall-clock time in London on a day (found through Intl, so BST is right). */
export function localMs(day: string, hhmm: string): number {
  const guess = Date.parse(`${day}T${hhmm}:00Z`);
  const offset = (ms: number) => {
    const parts: Record<string, string> = {};
    const format = new Intl.DateTimeFormat('en-GB', {
      timeZone: STORE_HOURS.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
    return Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`) - ms;
  };
  const first = guess - offset(guess);
  return guess - offset(first);
}
