import { z } from 'zod';

/**
 * Insider-detection rules (DESIGN §6a). Each is evaluated at the till, for an instant effect on the
 * staff member at the counter, and at HQ across every till of the store; both run the one evaluator
 * in ./evaluate.ts over activity events made from audit entries (./activity.ts).
 *
 * A rule's `threshold` and `windowMinutes` mean, per rule:
 * - members_opened: more than `threshold` distinct members opened or revealed by one staff member
 *   within `windowMinutes` (GitLab's "N unique items per window per user").
 * - lookups_without_sale: more than `threshold` members opened within `windowMinutes` that were not
 *   followed by a transaction on that member by the same staff member within FOLLOW_UP_MINUTES (a
 *   transaction up to FOLLOW_UP_MINUTES before the open counts too: the till opens a member it has
 *   just enrolled or served). An open straight after a search by card is the cardholder at the
 *   counter and is not counted (./evaluate.ts says why). A search by name, phone or e-mail that
 *   lists members (the list shows their names, cards, balances and masked phones), none of whom is
 *   opened or gets a transaction by the same staff member within FOLLOW_UP_MINUTES (a transaction
 *   up to FOLLOW_UP_MINUTES before the search counts too), is one lookup without sale as well: the
 *   list was read and left. The same list searched again counts once in the window. When a listed
 *   member is opened, that open is the lookup (served or not), so a customer is never counted twice.
 *   Listed members do not count toward members_opened: an honest name search lists namesakes the
 *   cashier never meant to look at, and a rule on "unique members seen" would count every one of them.
 * - after_hours: more than `threshold` member accesses outside the store's hours within `windowMinutes`
 *   (an open, a reveal, an export, a correction, or a search that listed members).
 * - large_correction: an adjustment or reversal moving more than `threshold` points (per event; the
 *   window is the cool-down before the same staff member is flagged again).
 * - pin_failures: more than `threshold` failed PINs typed as one staff member within `windowMinutes`.
 * - exports: more than `threshold` member-data exports by one staff member within `windowMinutes`.
 * - own_or_colleague: a staff member opening their own member record, or a colleague's with no
 *   transaction to follow within FOLLOW_UP_MINUTES (a colleague buying something is served by a
 *   colleague; serving oneself is not allowed). threshold: opens tolerated within the window before
 *   an alert; 0 = every one.
 * - Every rule: after an alert, the same rule for the same staff member fires again only once a
 *   whole window has passed (the cool-down).
 * - baseline_deviation (HQ only): a staff member's members opened in a day above the mean + `sigmas`
 *   standard deviations of their own previous `days` days, when that history has at least
 *   `minEvents` events.
 */
export const TILL_RULES = [
  'members_opened',
  'lookups_without_sale',
  'after_hours',
  'large_correction',
  'pin_failures',
  'exports',
  'own_or_colleague',
] as const;
export type TillRuleId = (typeof TILL_RULES)[number];

export const DETECTION_RULES = [...TILL_RULES, 'baseline_deviation'] as const;
export type DetectionRuleId = (typeof DETECTION_RULES)[number];

/**
 * off: not evaluated. notify: an alert only. enforce: an alert, and the staff member is held (below)
 * by the till that saw it; HQ's own alerts are notify-only (BASELINE_MODES says why).
 */
export const RULE_MODES = ['off', 'notify', 'enforce'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

/**
 * What an enforced rule does to the staff member it caught: `manager_pin` — their next sensitive
 * action (opening a member, a reveal, an export, a correction) needs a store manager's PIN, which
 * clears the hold; `lock` — their session ends and their PIN is refused until a manager unlocks them.
 */
export const ENFORCE_ACTIONS = ['manager_pin', 'lock'] as const;
export type EnforceAction = (typeof ENFORCE_ACTIONS)[number];

/** A member opened and not served by the same staff member within this time counts as a lookup without sale. */
export const FOLLOW_UP_MINUTES = 15;

export const RuleSetting = z.strictObject({
  mode: z.enum(RULE_MODES, { error: 'invalid_choice' }),
  threshold: z.number().int({ error: 'invalid' }).min(0, { error: 'too_small' }).max(1_000_000, { error: 'too_big' }),
  windowMinutes: z
    .number()
    .int({ error: 'invalid' })
    .min(1, { error: 'too_small' })
    .max(14 * 24 * 60, { error: 'too_big' }),
});
export type RuleSetting = z.infer<typeof RuleSetting>;

const HHMM = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { error: 'invalid' });

/** Opening hours in the store's time zone (IANA name); `closes` before `opens` spans midnight. */
export const StoreHours = z.strictObject({
  opens: HHMM,
  closes: HHMM,
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { error: 'invalid' }),
});
export type StoreHours = z.infer<typeof StoreHours>;

/**
 * HQ's own alerts are notify-only. A hold is placed by a till, at once, for what that till saw
 * itself (src/main/detection); an alert HQ raises later from the uploaded chains (a baseline
 * deviation, or a finding whose entries span tills) reaches the store manager and the console but
 * holds nobody, so the baseline offers no 'enforce' that would promise otherwise, and HQ records
 * its cross-till alerts as 'notify' whatever the rule's mode (the tills enforce that rule for what
 * each sees).
 */
export const BASELINE_MODES = ['off', 'notify'] as const;

export const BaselineSetting = z.strictObject({
  mode: z.enum(BASELINE_MODES, { error: 'invalid_choice' }),
  days: z.number().int().min(7, { error: 'too_small' }).max(90, { error: 'too_big' }),
  sigmas: z.number().min(1, { error: 'too_small' }).max(10, { error: 'too_big' }),
  minEvents: z.number().int().min(1, { error: 'too_small' }).max(100_000, { error: 'too_big' }),
});
export type BaselineSetting = z.infer<typeof BaselineSetting>;

/** A store's detection policy, set at HQ (store policy) and pulled by its tills with the store settings. */
export const DetectionPolicy = z.strictObject({
  rules: z.strictObject({
    members_opened: RuleSetting,
    lookups_without_sale: RuleSetting,
    after_hours: RuleSetting,
    large_correction: RuleSetting,
    pin_failures: RuleSetting,
    exports: RuleSetting,
    own_or_colleague: RuleSetting,
  }),
  baseline: BaselineSetting,
  enforceAction: z.enum(ENFORCE_ACTIONS, { error: 'invalid_choice' }),
  /** Null: the store's hours are not set and after_hours is not evaluated. */
  storeHours: StoreHours.nullable(),
});
export type DetectionPolicy = z.infer<typeof DetectionPolicy>;

/**
 * Notify-only first (GitLab's abuse rate limit starts that way): a new store is told, nobody is
 * held, until its managers have seen what the rules flag and HQ switches a rule to enforce. The
 * thresholds are measured against the seeded week in tests/unit/detection-week.test.ts, which
 * reports the false-positive and detection rates (the closing note of issue 14 quotes them):
 * - members_opened 60 an hour (the draft said 40): at a Saturday lunch peak a busy till serves a
 *   customer every 1.5 minutes; honest cashiers passed 40 distinct members in an hour 14 times in
 *   20 seeded store months (28 days each), and never 55 in 100. The rule is for bulk browsing.
 * - lookups_without_sale 10 an hour (the draft said 10 in 4 hours): over 4 hours an honest busy
 *   shift's balance checks alone pass 10 (506 false alerts in 20 seeded months); in an hour, with
 *   card-present opens left out (./evaluate.ts), honest cashiers reached at most 9 in 100 months.
 *   Since searches record the members they list, honest service also reads lists that miss (one
 *   name or phone search in ten in the simulation): honest cashiers then reached 10 four times in
 *   20 seeded months and never 11, so 10 stood. It catches 14 of 20 simulated bursts of people
 *   looked up by name (some only read off the list): 3 of 20 if read lists did not count. A snoop
 *   who spreads a dozen look-ups over a shift is lost in the balance checks, and is left to the
 *   other rules.
 * - The other thresholds stood: no honest staff member reached them in 20 seeded months.
 * - The baseline's 3σ also needs today above 3× the mean (./baseline.ts, MIN_BASELINE_RATIO).
 */
export const DEFAULT_DETECTION_POLICY: DetectionPolicy = {
  rules: {
    members_opened: { mode: 'notify', threshold: 60, windowMinutes: 60 },
    lookups_without_sale: { mode: 'notify', threshold: 10, windowMinutes: 60 },
    after_hours: { mode: 'notify', threshold: 0, windowMinutes: 60 },
    large_correction: { mode: 'notify', threshold: 2_000, windowMinutes: 60 },
    pin_failures: { mode: 'notify', threshold: 5, windowMinutes: 15 },
    exports: { mode: 'notify', threshold: 3, windowMinutes: 24 * 60 },
    own_or_colleague: { mode: 'notify', threshold: 0, windowMinutes: 24 * 60 },
  },
  baseline: { mode: 'notify', days: 14, sigmas: 3, minEvents: 20 },
  enforceAction: 'manager_pin',
  storeHours: null,
};
