import { describe, expect, it } from 'vitest';
import type { ActivityEvent, DetectionFinding } from '../../src/shared/detection/activity';
import { activityFromAudit } from '../../src/shared/detection/audit-activity';
import { baselineFindings, type StaffDay } from '../../src/shared/detection/baseline';
import { detectFindings, ruleMode } from '../../src/shared/detection/evaluate';
import {
  DEFAULT_DETECTION_POLICY,
  DETECTION_RULES,
  TILL_RULES,
  type DetectionPolicy,
  type DetectionRuleId,
} from '../../src/shared/detection/policy';
import { localDay } from '../../src/shared/detection/store-hours';
import { localMs, refKey, simulateStoreWeek, type StoreWeek } from '../support/store-week';

/**
 * Issue 14, test 5: a seeded store month (21 honest days, then a week with one snooping cashier; see
 * tests/support/store-week.ts for what honest staff and the snoop do) through the tills' audit
 * entries, the mapping and the rules, with the default thresholds in notify mode and with every rule
 * enforced. The closing note quotes the rates this prints.
 */

const NOTIFY: DetectionPolicy = { ...DEFAULT_DETECTION_POLICY, storeHours: simulateStoreWeek(1).storeHours };
const ENFORCE: DetectionPolicy = {
  ...NOTIFY,
  rules: Object.fromEntries(
    TILL_RULES.map((rule) => [rule, { ...NOTIFY.rules[rule], mode: 'enforce' }]),
  ) as DetectionPolicy['rules'],
  // The baseline is HQ's and notify-only (shared/detection/policy.ts, BASELINE_MODES).
  baseline: NOTIFY.baseline,
};
/** Past the week's last follow-up. */
const END = '2026-03-30T12:00:00.000Z';

function activityOf(week: StoreWeek): ActivityEvent[] {
  return week.entries.map((entry) => activityFromAudit(entry, week.relationOf)).filter((e) => e !== null);
}

/** What HQ's baseline job counts: distinct members opened or revealed per staff member per store-local day. */
function staffDays(week: StoreWeek, events: readonly ActivityEvent[]): StaffDay[] {
  const members = new Map<string, Set<string>>();
  for (const event of events) {
    if ((event.kind !== 'member_opened' && event.kind !== 'contacts_revealed') || !event.memberId) continue;
    const key = `${event.staffId}|${localDay(week.storeHours.timeZone, Date.parse(event.at))}`;
    const set = members.get(key) ?? new Set<string>();
    set.add(event.memberId);
    members.set(key, set);
  }
  return [...members].map(([key, ids]) => {
    const [staffId = '', day = ''] = key.split('|');
    return { staffId, day, count: ids.size, memberIds: [...ids] };
  });
}

/** The baseline for every day that has `days` days before it, run after closing. */
function baselineRuns(week: StoreWeek, policy: DetectionPolicy, rows: readonly StaffDay[]) {
  const days = [...week.historyDays, ...week.weekDays].slice(policy.baseline.days);
  return days.flatMap((day) =>
    baselineFindings(
      policy.baseline,
      rows.filter((row) => row.day <= day),
      day,
      new Date(localMs(day, '21:30')).toISOString(),
    ).map((finding) => ({ day, finding })),
  );
}

interface Score {
  honestShifts: number;
  honestStaffDays: number;
  falseFindings: DetectionFinding[];
  misuseShifts: number;
  caughtByTill: number;
  caughtWithBaseline: number;
  caughtByLookups: number;
  /** "rule → kind of misuse" per misuse shift a rule caught. */
  byRule: string[];
}

/**
 * A finding is the snoop's doing when it names an entry their misuse wrote (or, for the baseline, it
 * is about the snoop on a day they misused); anything else is a false alert. A misuse shift counts
 * as caught when some finding names one of its entries.
 */
function score(week: StoreWeek, findings: readonly DetectionFinding[], baseline: ReturnType<typeof baselineRuns>) {
  const caught = new Map<number, Set<DetectionRuleId>>();
  const falseFindings: DetectionFinding[] = [];
  for (const finding of findings) {
    const shifts = new Set(
      finding.auditRefs.map((ref) => week.planted.get(refKey(ref.deviceId, ref.seq))).filter((s) => s !== undefined),
    );
    if (shifts.size === 0) falseFindings.push(finding);
    for (const shift of shifts) caught.set(shift, (caught.get(shift) ?? new Set()).add(finding.rule));
  }
  const byBaseline = new Set<number>();
  for (const { day, finding } of baseline) {
    const shift = week.shifts.findIndex((s) => s.misuse && s.day === day && s.staffId === finding.staffId);
    if (shift === -1) falseFindings.push(finding);
    else byBaseline.add(shift);
  }
  const misuse = week.shifts.flatMap((s, i) => (s.misuse ? [i] : []));
  const evaluatedDays = week.historyDays.length + week.weekDays.length - NOTIFY.baseline.days;
  return {
    honestShifts: week.shifts.length - misuse.length,
    honestStaffDays: week.staff.length * evaluatedDays,
    falseFindings,
    misuseShifts: misuse.length,
    caughtByTill: misuse.filter((i) => caught.has(i)).length,
    caughtWithBaseline: misuse.filter((i) => caught.has(i) || byBaseline.has(i)).length,
    caughtByLookups: misuse.filter((i) => caught.get(i)?.has('lookups_without_sale')).length,
    byRule: misuse.flatMap((i) => [...(caught.get(i) ?? [])].map((rule) => `${rule} → ${week.shifts[i]?.misuse}`)),
  } satisfies Score;
}

function run(seed: number, policy: DetectionPolicy) {
  const week = simulateStoreWeek(seed);
  const events = activityOf(week);
  const findings = detectFindings(policy, events, { now: END });
  const baseline = baselineRuns(week, policy, staffDays(week, events));
  return { week, events, findings, baseline, score: score(week, findings, baseline) };
}

describe('the seeded store week', () => {
  // The evaluator never reads a rule's mode (a till's hold is run-detection.ts's, checked in
  // tests/integration/detection-till.test.ts): what this shows is that the findings do not change with it.
  it('seed 1: the snoop is caught on each shift of misuse, honest staff raise nothing, and the findings do not depend on the modes', () => {
    const notify = run(1, NOTIFY);
    const { week } = notify;
    expect(week.snoopId).toBe('staff-c4');
    // The misuse shifts the seed chose (all late shifts, 14:30–21:00 GMT).
    expect(week.shifts.filter((s) => s.misuse).map((s) => [s.day, s.misuse])).toEqual([
      ['2026-03-24', 'after'],
      ['2026-03-25', 'spread'],
      ['2026-03-27', 'burst'],
    ]);
    const brief = (f: DetectionFinding) => [f.rule, f.staffId, f.at, f.count, f.threshold];
    expect(notify.findings.map(brief)).toEqual(SEED_1_FINDINGS);
    expect(notify.score.falseFindings).toEqual([]);
    expect(notify.baseline).toEqual([]);
    expect(notify.score).toMatchObject({ misuseShifts: 3, caughtByTill: 3 });

    const enforce = run(1, ENFORCE);
    expect(enforce.findings).toEqual(notify.findings);
    for (const finding of enforce.findings) expect(ruleMode(ENFORCE, finding.rule)).toBe('enforce');
    for (const finding of notify.findings) expect(ruleMode(NOTIFY, finding.rule)).toBe('notify');
  });

  it(
    'seed 1, evaluated hour by hour as a till does (after, now, raised, a day of entries back), finds the same',
    { timeout: 120_000 },
    () => {
      const { events, findings } = run(1, NOTIFY);
      const lookbackMs = 26 * 60 * 60_000;
      const startMs = Date.parse('2026-03-22T00:00:00.000Z');
      // What the till's alert table already holds when the week starts.
      const before = findings.filter((f) => Date.parse(f.at) <= startMs);
      const stepped: DetectionFinding[] = [];
      for (let nowMs = startMs + 3_600_000; nowMs <= Date.parse(END); nowMs += 3_600_000) {
        const recent = events.filter((e) => {
          const atMs = Date.parse(e.at);
          return atMs > nowMs - lookbackMs && atMs <= nowMs;
        });
        stepped.push(
          ...detectFindings(NOTIFY, recent, {
            after: new Date(nowMs - 3_600_000).toISOString(),
            now: new Date(nowMs).toISOString(),
            raised: [...before, ...stepped].map(({ rule, staffId, at }) => ({ rule, staffId, at })),
          }),
        );
      }
      expect(stepped.map((f) => f.rule)).toEqual([
        'after_hours',
        'pin_failures',
        'lookups_without_sale',
        'own_or_colleague',
      ]);
      expect(stepped).toEqual(findings.filter((f) => Date.parse(f.at) > startMs));
    },
  );

  it(
    'over 20 seeds: no false alert under the defaults, every shift of misuse caught (rates printed)',
    { timeout: 120_000 },
    () => {
      const rows: string[] = [];
      const total = { honest: 0, staffDays: 0, falseAlerts: 0, misuse: 0, till: 0, withBaseline: 0, lookups: 0 };
      const byRule = new Map<string, number>();
      for (let seed = 1; seed <= 20; seed++) {
        const notify = run(seed, NOTIFY);
        const enforce = run(seed, ENFORCE);
        // Enforcing changes what happens to the staff member, not what the rules find.
        expect(enforce.findings).toEqual(notify.findings);
        const s = notify.score;
        total.honest += s.honestShifts;
        total.staffDays += s.honestStaffDays;
        total.falseAlerts += s.falseFindings.length;
        total.misuse += s.misuseShifts;
        total.till += s.caughtByTill;
        total.withBaseline += s.caughtWithBaseline;
        total.lookups += s.caughtByLookups;
        for (const key of s.byRule) byRule.set(key, (byRule.get(key) ?? 0) + 1);
        const cell = (n: number) => `${n}/${s.misuseShifts}`.padEnd(10);
        rows.push(
          `${String(seed).padStart(4)} | ${String(s.honestShifts).padEnd(13)} | ${String(s.falseFindings.length).padEnd(12)} | ` +
            `${cell(s.caughtByTill)} | ${cell(s.caughtWithBaseline)} | ${cell(s.caughtByLookups)}`,
        );
        expect(s.falseFindings.map((f) => [seed, f.rule, f.staffId, f.at])).toEqual([]);
      }
      const fpRate = total.falseAlerts / total.honest;
      const detection = total.till / total.misuse;
      console.info(
        [
          `seeded store month × 20, DEFAULT_DETECTION_POLICY (rules: ${DETECTION_RULES.join(', ')})`,
          'seed | honest shifts | false alerts | till rules | + baseline | lookups_without_sale alone',
          ...rows,
          `all  | ${total.honest} honest staff-shifts (baseline: ${total.staffDays} staff-days), ${total.falseAlerts} false alerts: ` +
            `false-positive rate ${fpRate.toFixed(4)} per honest shift`,
          `     | misuse shifts caught: ${total.till}/${total.misuse} by the till rules (detection ${detection.toFixed(2)}), ` +
            `${total.withBaseline}/${total.misuse} with the baseline, ${total.lookups}/${total.misuse} by lookups_without_sale alone`,
          `     | rule → misuse (20 shifts of each): ${[...byRule]
            .sort()
            .map(([key, n]) => `${key} ${n}`)
            .join('; ')}`,
        ].join('\n'),
      );
      expect(total.falseAlerts).toBe(0);
      expect(detection).toBeGreaterThanOrEqual(0.9);
      // Measured (the closing note quotes them): every misuse shift caught by some till rule, and
      // lookups_without_sale alone catches 14 of the 20 bursts — 3 of 20 if the lists the snoop only
      // read were not counted (measured by dropping listedMemberIds from the events).
      expect([total.till, total.misuse, total.lookups]).toEqual([60, 60, 14]);
    },
  );
});

/**
 * Seed 1 under the defaults, read once from the generator's output and judged right:
 * - 24 March (after): back at the till at 21:23 GMT, after closing, searching someone by name (the
 *   list already shows them: the alert fires at the search, before the open);
 * - 25 March (spread): the sixth wrong guess at manager m2's PIN on the back-office PC, where m2's
 *   session was left open and the snoop tried an export. The alert names m2, whose PIN was typed;
 *   the entries it points to are the snoop's doing. The spread-out lookups alone are not caught;
 * - 27 March (burst): eleven acquaintances looked up by name within the hour, nothing sold: five only
 *   read off the result list, six opened. Without the lists (the audit before issue 14's review)
 *   the six opens stay under the threshold and the burst is missed;
 * - the same evening, the colleague's record opened with nothing sold (own_or_colleague), decided
 *   15 minutes on, at the same instant as the burst's alert by coincidence of the follow-up.
 * No false alert, and the baseline stays quiet (the snoop's days stay under its bound).
 */
const SEED_1_FINDINGS = [
  ['after_hours', 'staff-c4', '2026-03-24T21:23:12.217Z', 1, 0],
  ['pin_failures', 'staff-m2', '2026-03-25T18:02:45.449Z', 6, 5],
  ['lookups_without_sale', 'staff-c4', '2026-03-27T16:36:59.924Z', 11, 10],
  ['own_or_colleague', 'staff-c4', '2026-03-27T16:36:59.924Z', 1, 0],
];
