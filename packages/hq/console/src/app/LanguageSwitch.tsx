import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleLanguage } from './format';

export function LanguageSwitch({
  language,
  onLanguage,
}: {
  language: ConsoleLanguage;
  onLanguage: (language: ConsoleLanguage) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id} className="language-label">
        {t('shell.language')}
      </label>
      <select
        id={id}
        className="input input-compact"
        value={language}
        onChange={(event) => onLanguage(event.target.value === 'ru' ? 'ru' : 'en')}
      >
        <option value="en" lang="en">
          English
        </option>
        <option value="ru" lang="ru">
          Русский
        </option>
      </select>
    </div>
  );
}
