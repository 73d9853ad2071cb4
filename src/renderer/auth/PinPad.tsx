import { useTranslation } from 'react-i18next';

const ROWS = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
] as const;

/**
 * The on-screen PIN pad for touch screens. Its keys do not take the focus (the PIN box keeps it,
 * so physical digit keys and Enter keep working) and are left out of the Tab order: the PIN box
 * itself is the keyboard way in. OK is the form's submit button.
 */
export function PinPad({
  testIdPrefix,
  onDigit,
  onBackspace,
  submit,
}: {
  /** `pin` gives the test ids `pin-key-0`…`pin-key-9`, `pin-backspace` and `pin-submit`. */
  testIdPrefix: string;
  onDigit: (digit: string) => void;
  onBackspace: () => void;
  submit?: { label: string; disabled: boolean; busy?: boolean };
}) {
  const { t } = useTranslation();
  const keep = (event: { preventDefault: () => void }) => event.preventDefault();
  const digit = (value: string) => (
    <button
      key={value}
      type="button"
      className="pin-key"
      tabIndex={-1}
      data-testid={`${testIdPrefix}-key-${value}`}
      onMouseDown={keep}
      onClick={() => onDigit(value)}
    >
      {value}
    </button>
  );
  return (
    <div className="pin-pad" role="group" aria-label={t('pin.pad')}>
      {ROWS.map((row) => row.map(digit))}
      <button
        type="button"
        className="pin-key pin-key-action"
        tabIndex={-1}
        aria-label={t('pin.backspace')}
        data-testid={`${testIdPrefix}-backspace`}
        onMouseDown={keep}
        onClick={onBackspace}
      >
        <span aria-hidden="true">⌫</span>
      </button>
      {digit('0')}
      {submit ? (
        <button
          type="submit"
          className="pin-key pin-key-submit"
          disabled={submit.disabled}
          aria-busy={submit.busy || undefined}
          data-testid={`${testIdPrefix}-submit`}
          onMouseDown={keep}
        >
          {submit.label}
        </button>
      ) : (
        <span className="pin-key-spacer" aria-hidden="true" />
      )}
    </div>
  );
}
