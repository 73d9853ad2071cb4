import type { Database } from 'better-sqlite3-multiple-ciphers';
import { DEFAULT_SECOND_APPROVER_ABOVE_POINTS } from '../../shared/approvals/second-approver';
import { LANGUAGES, type Language } from '../../shared/ipc/contract';
import { DEFAULT_PIN_LENGTH, MIN_PIN_LENGTH } from '../../shared/staff/pin-policy';
import { AUDIT_RETENTION_YEARS_BOUNDS, DEFAULT_AUDIT_RETENTION_YEARS } from '../../shared/privacy/requests';
import { DEFAULT_DETECTION_POLICY, DetectionPolicy } from '../../shared/detection/policy';

export interface StoreSettings {
  language: Language;
  /** ISO 3166 region used to read phone numbers typed without a country code. */
  storeRegion: string;
  /** Inactivity before the till locks itself (DESIGN §4: default 2 minutes). */
  idleLockSeconds: number;
  /** Digits in a staff PIN (HQ-set later; never below 4). */
  pinLength: number;
  /** The largest adjustment HQ applies from this store (its store policy, pulled); null before HQ said. */
  maxAdjustPoints: number | null;
  /**
   * Four-eyes (shared/approvals/second-approver.ts): a correction moving more points than this needs
   * a manager other than the one who asked. HQ's store policy once paired; the default before.
   */
  secondApproverAbovePoints: number;
  /** Years this till keeps its audit entries: the chain's privacy policy once paired (pulled). */
  auditRetentionYears: number;
}

export const DEFAULT_SETTINGS: StoreSettings = {
  language: 'en',
  storeRegion: 'GB',
  idleLockSeconds: 120,
  pinLength: DEFAULT_PIN_LENGTH,
  maxAdjustPoints: null,
  secondApproverAbovePoints: DEFAULT_SECOND_APPROVER_ABOVE_POINTS,
  auditRetentionYears: DEFAULT_AUDIT_RETENTION_YEARS,
};

export interface SettingsService {
  get(): StoreSettings;
  setLanguage(language: Language): StoreSettings;
  setStoreRegion(region: string): StoreSettings;
  setIdleLockSeconds(seconds: number): StoreSettings;
  /** What this till shows: the language switched here without settings.manage, else the store's. */
  shownLanguage(): Language;
  /**
   * Switches only this till's screen until the app restarts (a locked till's lock screen, a
   * cashier); nothing is written. null goes back to the store's language.
   */
  showLanguage(language: Language | null): void;
  /**
   * The store's insider-detection policy: HQ's, pulled with the store settings; the default on a
   * standalone till or before HQ sent one (and if the stored one no longer parses).
   */
  detectionPolicy(): DetectionPolicy;
  /** Stores a policy (the pull does this with HQ's; tests and a standalone till's set-up may too). */
  setDetectionPolicy(policy: DetectionPolicy): void;
}

export function createSettingsService(db: Database): SettingsService {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );

  let shown: Language | null = null;

  function get(): StoreSettings {
    const language = read.get('language')?.value;
    const storeRegion = read.get('store_region')?.value;
    const idle = Number(read.get('idle_lock_seconds')?.value ?? DEFAULT_SETTINGS.idleLockSeconds);
    const pinLength = Math.max(MIN_PIN_LENGTH, Number(read.get('pin_length')?.value ?? DEFAULT_SETTINGS.pinLength));
    const maxAdjust = Number(read.get('max_adjust_points')?.value ?? Number.NaN);
    const secondApprover = Number(read.get('second_approver_above_points')?.value ?? Number.NaN);
    const auditYears = Number(read.get('audit_retention_years')?.value ?? Number.NaN);
    return {
      auditRetentionYears:
        Number.isInteger(auditYears) &&
        auditYears >= AUDIT_RETENTION_YEARS_BOUNDS.min &&
        auditYears <= AUDIT_RETENTION_YEARS_BOUNDS.max
          ? auditYears
          : DEFAULT_SETTINGS.auditRetentionYears,
      secondApproverAbovePoints:
        Number.isInteger(secondApprover) && secondApprover >= 0
          ? secondApprover
          : DEFAULT_SETTINGS.secondApproverAbovePoints,
      maxAdjustPoints: Number.isInteger(maxAdjust) && maxAdjust > 0 ? maxAdjust : DEFAULT_SETTINGS.maxAdjustPoints,
      idleLockSeconds: Number.isFinite(idle) && idle > 0 ? idle : DEFAULT_SETTINGS.idleLockSeconds,
      pinLength: Number.isFinite(pinLength) ? pinLength : DEFAULT_SETTINGS.pinLength,
      language: (LANGUAGES as readonly string[]).includes(language ?? '')
        ? (language as Language)
        : DEFAULT_SETTINGS.language,
      storeRegion: storeRegion ?? DEFAULT_SETTINGS.storeRegion,
    };
  }
  return {
    get,
    setLanguage(language) {
      write.run('language', language);
      return get();
    },
    setStoreRegion(region) {
      write.run('store_region', region);
      return get();
    },
    setIdleLockSeconds(seconds) {
      write.run('idle_lock_seconds', String(seconds));
      return get();
    },
    detectionPolicy() {
      const stored = read.get('detection_policy')?.value;
      if (stored === undefined) return DEFAULT_DETECTION_POLICY;
      // Kept as HQ sent it (already checked by the pull's schema); a row from an older schema
      // that no longer parses falls back to the default rather than turning detection off.
      let json: unknown;
      try {
        json = JSON.parse(stored);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        return DEFAULT_DETECTION_POLICY;
      }
      const parsed = DetectionPolicy.safeParse(json);
      return parsed.success ? parsed.data : DEFAULT_DETECTION_POLICY;
    },
    setDetectionPolicy(policy) {
      write.run('detection_policy', JSON.stringify(DetectionPolicy.parse(policy)));
    },
    shownLanguage: () => shown ?? get().language,
    showLanguage(language) {
      shown = language;
    },
  };
}
