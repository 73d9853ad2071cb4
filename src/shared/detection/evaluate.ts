import { MAX_FINDING_MEMBERS, type ActivityEvent, type DetectionFinding } from './activity';
import {
  FOLLOW_UP_MINUTES,
  TILL_RULES,
  type DetectionPolicy,
  type DetectionRuleId,
  type RuleMode,
  type RuleSetting,
  type TillRuleId,
} from './policy';
import { isOutsideStoreHours } from './store-hours';

/** An alert raised earlier (by this evaluator, a till, or HQ) for a rule and a staff member. */
export interface RaisedAlert {
  rule: DetectionRuleId;
  staffId: string;
  at: string;
}

export interface DetectOptions {
  /** Only findings that fire strictly after this instant (the caller already evaluated up to it). */
  after?: string;
  /**
   * Alerts already raised: the same rule for the same staff member does not fire again within that
   * rule's window of one — either side of it, so HQ does not raise its own copy of an alert a till
   * raised a few minutes later for activity HQ saw first.
   */
  raised?: readonly RaisedAlert[];
  /**
   * How far time has got: lookups_without_sale and colleague opens are decided only once
   * FOLLOW_UP_MINUTES have passed after an open, and only up to this instant. Without it, the latest
   * event's time. A till evaluating after each action passes its clock, and evaluates again later
   * (e.g. on a timer) with `after` set to the previous `now` so opens that were still pending fire.
   */
  now?: string;
}

const MINUTE_MS = 60_000;
const FOLLOW_UP_MS = FOLLOW_UP_MINUTES * MINUTE_MS;
/** An open this soon after the same staff member's search by card is the cardholder at the counter. */
export const CARD_PRESENT_MS = 2 * MINUTE_MS;

/** The mode an alert for this rule carries (callers copy it onto the alert row). */
export function ruleMode(policy: DetectionPolicy, rule: DetectionRuleId): RuleMode {
  return rule === 'baseline_deviation' ? policy.baseline.mode : policy.rules[rule].mode;
}

/**
 * The one evaluator of the till rules (semantics in ./policy.ts), at the till and at HQ. Pure: the
 * same events, policy and options give the same findings, so a till and HQ agree on what fired.
 *
 * Every rule slides a window of `windowMinutes` per staff member: at each counted event the window
 * is (event − window, event], and the rule fires when its count is more than `threshold`. After a
 * finding, the same rule for the same staff member fires again only once a whole window has passed
 * (so evaluating in steps with `after` gives the same findings as evaluating everything at once).
 */
export function detectFindings(
  policy: DetectionPolicy,
  events: readonly ActivityEvent[],
  options: DetectOptions = {},
): DetectionFinding[] {
  const afterMs = options.after === undefined ? -Infinity : parseInstant(options.after);
  const sorted = events
    .map((event) => ({ event, atMs: parseInstant(event.at) }))
    .sort((a, b) => a.atMs - b.atMs || (a.event.auditSeq ?? 0) - (b.event.auditSeq ?? 0));
  const latestMs = sorted.at(-1)?.atMs ?? -Infinity;
  const horizonMs = options.now === undefined ? latestMs : parseInstant(options.now);

  const byStaff = new Map<string, Timed[]>();
  for (const timed of sorted) {
    const list = byStaff.get(timed.event.staffId);
    if (list) list.push(timed);
    else byStaff.set(timed.event.staffId, [timed]);
  }

  const findings: DetectionFinding[] = [];
  for (const [staffId, staffEvents] of byStaff) {
    const transactions = transactionsOf(staffEvents);
    const visits = visitsOf(staffEvents, transactions, horizonMs);
    const readSearches = readSearchesOf(staffEvents, transactions, horizonMs);
    for (const rule of TILL_RULES) {
      const setting = policy.rules[rule];
      if (setting.mode === 'off') continue;
      const hits = hitsFor(rule, staffEvents, visits, readSearches, policy);
      const raised = (options.raised ?? [])
        .filter((alert) => alert.rule === rule && alert.staffId === staffId)
        .map((alert) => parseInstant(alert.at));
      for (const finding of slide(rule, staffId, setting, hits, raised)) {
        if (Date.parse(finding.at) > afterMs) findings.push(finding);
      }
    }
  }
  const order = (rule: DetectionRuleId) => TILL_RULES.indexOf(rule as TillRuleId);
  return findings.sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) ||
      order(a.rule) - order(b.rule) ||
      (a.staffId < b.staffId ? -1 : a.staffId > b.staffId ? 1 : 0),
  );
}

interface Timed {
  event: ActivityEvent;
  atMs: number;
}

type AuditRef = DetectionFinding['auditRefs'][number];

/** One counted thing: an event, or (for follow-up rules) an open once it is known to have had no sale. */
interface Hit {
  /** When it counts: the event's time, or the end of the follow-up for a lookup without sale. */
  atMs: number;
  /** When it began (the first open of a visit, the search), for the finding's windowStart. */
  sinceMs: number;
  /** What distinct rules count once: the member, or a search's list; null for counted-per-event rules. */
  key: string | null;
  /** The members it names (a search: the members it listed). */
  memberIds: string[];
  /** large_correction: the points moved; otherwise 1. */
  weight: number;
  refs: AuditRef[];
}

/**
 * A staff member's opens of one member grouped into visits: opens within FOLLOW_UP_MINUTES of the
 * visit's first open count once (the till re-reads a member after each action). A visit is served
 * when the same staff member did a transaction on that member from FOLLOW_UP_MINUTES before its
 * first open to FOLLOW_UP_MINUTES after its last — before too, because the till opens a member it
 * has just enrolled or earned points for.
 */
interface Visit {
  memberId: string;
  relation: ActivityEvent['relation'];
  /** Its first open came straight after a search by card: the member handed their card over. */
  cardPresent: boolean;
  firstMs: number;
  lastMs: number;
  refs: AuditRef[];
  /** null: served, or not decided yet (its follow-up ends after the horizon). */
  unservedAtMs: number | null;
}

/** Per member, when the staff member did a transaction on them (in time order). */
function transactionsOf(staffEvents: readonly Timed[]): Map<string, number[]> {
  const transactions = new Map<string, number[]>();
  for (const { event, atMs } of staffEvents) {
    if (event.kind !== 'transaction' || !event.memberId) continue;
    const list = transactions.get(event.memberId);
    if (list) list.push(atMs);
    else transactions.set(event.memberId, [atMs]);
  }
  return transactions;
}

function visitsOf(
  staffEvents: readonly Timed[],
  transactions: ReadonlyMap<string, number[]>,
  horizonMs: number,
): Visit[] {
  const open = new Map<string, Visit>();
  const visits: Visit[] = [];
  let cardSearchMs = -Infinity;
  for (const { event, atMs } of staffEvents) {
    if (event.kind === 'lookup') cardSearchMs = event.by === 'card' ? atMs : -Infinity;
    if (event.kind !== 'member_opened' || !event.memberId) continue;
    // One card search stands for one member: the next open without a search of its own is not covered.
    const cardPresent = atMs - cardSearchMs <= CARD_PRESENT_MS;
    cardSearchMs = -Infinity;
    const current = open.get(event.memberId);
    if (current && atMs - current.firstMs <= FOLLOW_UP_MS) {
      current.lastMs = atMs;
      pushRef(current.refs, event);
      continue;
    }
    const visit: Visit = {
      memberId: event.memberId,
      relation: event.relation,
      cardPresent,
      firstMs: atMs,
      lastMs: atMs,
      refs: [],
      unservedAtMs: null,
    };
    pushRef(visit.refs, event);
    open.set(event.memberId, visit);
    visits.push(visit);
  }
  for (const visit of visits) {
    const decidedMs = visit.lastMs + FOLLOW_UP_MS;
    if (decidedMs > horizonMs) continue;
    const served = (transactions.get(visit.memberId) ?? []).some(
      (atMs) => atMs >= visit.firstMs - FOLLOW_UP_MS && atMs <= decidedMs,
    );
    if (!served) visit.unservedAtMs = decidedMs;
  }
  return visits;
}

/** Searches whose list is read by what it matched: a card search lists the one cardholder at the counter. */
const LISTING_SEARCHES: ReadonlySet<string> = new Set(['name', 'phone', 'email']);

/**
 * A search by name, phone or e-mail whose list (names, cards, balances, masked phones) was only read:
 * none of the listed members was opened by the same staff member within FOLLOW_UP_MINUTES after it
 * (an open is a visit of its own, counted or served as such) and none had a transaction by them from
 * FOLLOW_UP_MINUTES before it to FOLLOW_UP_MINUTES after it. Decided once that follow-up has passed,
 * up to the horizon; each such search is one lookup without sale, keyed by its list so the same list
 * searched again counts once in a window.
 */
interface ReadSearch {
  atMs: number;
  listed: string[];
  refs: AuditRef[];
}

function readSearchesOf(
  staffEvents: readonly Timed[],
  transactions: ReadonlyMap<string, number[]>,
  horizonMs: number,
): ReadSearch[] {
  const opens = new Map<string, number[]>();
  for (const { event, atMs } of staffEvents) {
    if (event.kind !== 'member_opened' || !event.memberId) continue;
    const list = opens.get(event.memberId);
    if (list) list.push(atMs);
    else opens.set(event.memberId, [atMs]);
  }
  const found: ReadSearch[] = [];
  for (const { event, atMs } of staffEvents) {
    const listed = event.listedMemberIds ?? [];
    if (event.kind !== 'lookup' || listed.length === 0 || !LISTING_SEARCHES.has(event.by ?? '')) continue;
    const decidedMs = atMs + FOLLOW_UP_MS;
    if (decidedMs > horizonMs) continue;
    const within = (times: readonly number[] | undefined, fromMs: number) =>
      (times ?? []).some((t) => t >= fromMs && t <= decidedMs);
    const followed = listed.some(
      (memberId) => within(opens.get(memberId), atMs) || within(transactions.get(memberId), atMs - FOLLOW_UP_MS),
    );
    if (!followed) found.push({ atMs: decidedMs, listed, refs: refOf(event) });
  }
  return found;
}

const ACCESS_KINDS: ReadonlySet<ActivityEvent['kind']> = new Set([
  'member_opened',
  'contacts_revealed',
  'member_exported',
  'correction',
]);

/** What a rule counts for one staff member, in time order. */
function hitsFor(
  rule: TillRuleId,
  staffEvents: readonly Timed[],
  visits: readonly Visit[],
  readSearches: readonly ReadSearch[],
  policy: DetectionPolicy,
) {
  const fromEvent = ({ event, atMs }: Timed, weight = 1): Hit => ({
    atMs,
    sinceMs: atMs,
    key: event.memberId ?? null,
    memberIds: event.memberId ? [event.memberId] : [],
    weight,
    refs: refOf(event),
  });
  const fromVisit = (visit: Visit, atMs: number): Hit => ({
    atMs,
    sinceMs: visit.firstMs,
    key: visit.memberId,
    memberIds: [visit.memberId],
    weight: 1,
    refs: visit.refs,
  });
  const hits: Hit[] = [];
  switch (rule) {
    case 'members_opened':
      for (const timed of staffEvents) {
        const { kind, memberId } = timed.event;
        if ((kind === 'member_opened' || kind === 'contacts_revealed') && memberId) hits.push(fromEvent(timed));
      }
      break;
    case 'lookups_without_sale':
      // A customer who hands over their card and only asks for their balance is at the counter: at a
      // busy till those are one open in eight, and counting them buried the people looked up by name
      // or phone with nobody there (measured in tests/unit/detection-week.test.ts). A card number
      // typed from memory reads as a card search too: a known gap, left to the other rules.
      for (const visit of visits) {
        if (visit.unservedAtMs !== null && !visit.cardPresent) hits.push(fromVisit(visit, visit.unservedAtMs));
      }
      // A list read and left: the snoop who looks a neighbour up by name needs no open to see them.
      for (const search of readSearches) {
        hits.push({
          atMs: search.atMs,
          sinceMs: search.atMs - FOLLOW_UP_MS,
          key: `list:${[...search.listed].sort().join(',')}`,
          memberIds: search.listed,
          weight: 1,
          refs: search.refs,
        });
      }
      break;
    case 'after_hours': {
      const hours = policy.storeHours;
      if (!hours) break;
      for (const timed of staffEvents) {
        if (!isOutsideStoreHours(hours, timed.event.at)) continue;
        if (ACCESS_KINDS.has(timed.event.kind)) hits.push(fromEvent(timed));
        else if (timed.event.kind === 'lookup' && (timed.event.listedMemberIds?.length ?? 0) > 0) {
          // A list read after closing shows the members on it as much as an open does.
          hits.push({ ...fromEvent(timed), memberIds: [...(timed.event.listedMemberIds ?? [])] });
        }
      }
      break;
    }
    case 'large_correction':
      for (const timed of staffEvents) {
        if (timed.event.kind === 'correction') hits.push(fromEvent(timed, Math.abs(timed.event.points ?? 0)));
      }
      break;
    case 'pin_failures':
      for (const timed of staffEvents) if (timed.event.kind === 'pin_failure') hits.push(fromEvent(timed));
      break;
    case 'exports':
      for (const timed of staffEvents) if (timed.event.kind === 'member_exported') hits.push(fromEvent(timed));
      break;
    case 'own_or_colleague':
      // Serving oneself is against store rules (and the classic way to pocket customers' points): a
      // self open counts at once. A colleague buying something is served by a colleague, so a
      // colleague's record counts only when opened with no transaction to follow.
      for (const visit of visits) {
        if (visit.relation === 'self') hits.push(fromVisit(visit, visit.firstMs));
        else if (visit.relation === 'colleague' && visit.unservedAtMs !== null) {
          hits.push(fromVisit(visit, visit.unservedAtMs));
        }
      }
      break;
  }
  return hits.sort((a, b) => a.atMs - b.atMs);
}

const DISTINCT_RULES: ReadonlySet<TillRuleId> = new Set(['members_opened', 'lookups_without_sale']);

/** Slides the rule's window over its hits and returns the findings that survive the cool-down. */
function slide(
  rule: TillRuleId,
  staffId: string,
  setting: RuleSetting,
  hits: readonly Hit[],
  raisedMs: readonly number[],
): DetectionFinding[] {
  const windowMs = setting.windowMinutes * MINUTE_MS;
  const findings: DetectionFinding[] = [];
  let lastFiredMs = -Infinity;
  const coolingDown = (atMs: number) =>
    atMs < lastFiredMs + windowMs || raisedMs.some((raised) => Math.abs(atMs - raised) < windowMs);

  const perMember = new Map<string, number>();
  let left = 0;
  for (const [i, hit] of hits.entries()) {
    for (let gone = hits[left]; gone && gone.atMs <= hit.atMs - windowMs; gone = hits[++left]) {
      if (gone.key === null) continue;
      const n = (perMember.get(gone.key) ?? 1) - 1;
      if (n === 0) perMember.delete(gone.key);
      else perMember.set(gone.key, n);
    }
    if (hit.key !== null) perMember.set(hit.key, (perMember.get(hit.key) ?? 0) + 1);

    const count = rule === 'large_correction' ? hit.weight : DISTINCT_RULES.has(rule) ? perMember.size : i - left + 1;
    if (count <= setting.threshold || coolingDown(hit.atMs)) continue;
    lastFiredMs = hit.atMs;
    // A correction is judged on its own; the other rules name everything in the window.
    const inWindow = hits.slice(rule === 'large_correction' ? i : left, i + 1);
    findings.push({
      rule,
      staffId,
      at: new Date(hit.atMs).toISOString(),
      windowStart: new Date(Math.min(...inWindow.map((h) => h.sinceMs))).toISOString(),
      windowEnd: new Date(hit.atMs).toISOString(),
      count,
      threshold: setting.threshold,
      memberIds: latestDistinct(inWindow.flatMap((h) => h.memberIds)),
      auditRefs: inWindow.flatMap((h) => h.refs).slice(-MAX_FINDING_MEMBERS),
    });
  }
  return findings;
}

/** The distinct members, at most MAX_FINDING_MEMBERS, keeping the latest (the one that crossed is last). */
function latestDistinct(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const id of [...ids].reverse()) {
    if (seen.size === MAX_FINDING_MEMBERS) break;
    seen.add(id);
  }
  return [...seen].reverse();
}

function refOf(event: ActivityEvent): AuditRef[] {
  if (event.auditSeq === undefined) return [];
  return [event.deviceId === undefined ? { seq: event.auditSeq } : { deviceId: event.deviceId, seq: event.auditSeq }];
}

function pushRef(refs: AuditRef[], event: ActivityEvent) {
  refs.push(...refOf(event));
}

function parseInstant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`detectFindings: not an ISO instant: ${iso.slice(0, 40)}`);
  return ms;
}
