import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { View } from './views';

const SHORTCUTS = [
  { keys: ['F2', 'Ctrl+F'], action: 'find', only: null },
  { keys: ['F3', 'Ctrl+N'], action: 'enroll', only: null },
  { keys: ['↑', '↓'], action: 'move', only: 'find' },
  { keys: ['Enter'], action: 'open', only: 'find' },
  { keys: ['Esc'], action: 'clear', only: 'find' },
  { keys: ['Ctrl+L'], action: 'lock', only: null },
] as const;

/** A quiet reminder of the till shortcuts, always at the bottom of the screen. */
export function ShortcutsBar({ view }: { view: View }) {
  const { t } = useTranslation();
  return (
    <footer className="shortcuts">
      <h2 className="sr-only">{t('shortcuts.label')}</h2>
      <ul className="shortcut-list">
        {SHORTCUTS.filter(({ only }) => only === null || only === view).map(({ keys, action }) => (
          <li key={action} className="shortcut">
            {keys.map((key, index) => (
              <Fragment key={key}>
                {index === 0 ? null : action === 'move' ? (
                  ' '
                ) : (
                  <span className="shortcut-or"> {t('shortcuts.or')} </span>
                )}
                <kbd>{key}</kbd>
              </Fragment>
            ))}{' '}
            <span>{t(`shortcuts.${action}`)}</span>
          </li>
        ))}
      </ul>
    </footer>
  );
}
