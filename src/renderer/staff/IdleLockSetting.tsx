import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api, asApiError } from '../api/client';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { idleLockChoices, splitDuration } from './idle';
import { useIntent } from '../api/intent';
import { Field } from '../forms/Field';

export function durationLabel(t: TFunction, seconds: number): string {
  const { unit, n } = splitDuration(seconds);
  return unit === 'minutes' ? t('duration.minutes', { n }) : t('duration.seconds', { n });
}

/** Managers choose how long the till waits without activity before it locks itself. */
export function IdleLockSetting({
  onSaved,
  onFailed,
}: {
  onSaved: (text: string) => void;
  onFailed: (text: string) => void;
}) {
  const { t } = useTranslation();
  const { info, infoChanged } = useSession();
  const [saving, setSaving] = useState(false);
  const intent = useIntent();
  const ids = useId();
  const current = info.idleLockSeconds;

  const choose = async (seconds: number) => {
    if (seconds === current || saving) return;
    setSaving(true);
    try {
      const next = await api.setIdleLock(seconds, intent.id());
      intent.succeeded();
      infoChanged(next);
      onSaved(t('staff.idleSaved', { duration: durationLabel(t, next.idleLockSeconds) }));
    } catch (caught) {
      onFailed(errorMessage(t, asApiError(caught).code));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        {t('staff.settingsTitle')}
      </h2>
      <Field label={t('staff.idleLabel')} hint={t('staff.idleHint')}>
        {(aria) => (
          <select
            {...aria}
            className="input select select-short"
            value={current}
            aria-busy={saving || undefined}
            data-testid="idle-lock-select"
            onChange={(event) => void choose(Number(event.target.value))}
          >
            {idleLockChoices(current).map((seconds) => (
              <option key={seconds} value={seconds}>
                {durationLabel(t, seconds)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </section>
  );
}
