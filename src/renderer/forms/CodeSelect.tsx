import { Field } from './Field';

/**
 * A labelled select over a closed list of codes (a reason, a purpose, a language), each shown in
 * words: the value is always one of `codes`, so the caller gets the code type back.
 */
export function CodeSelect<C extends string>({
  label,
  codes,
  value,
  onChange,
  text,
  testId,
}: {
  label: string;
  codes: readonly C[];
  value: C;
  onChange: (code: C) => void;
  text: (code: C) => string;
  testId?: string;
}) {
  return (
    <Field label={label}>
      {(aria) => (
        <select
          {...aria}
          className="input select"
          data-testid={testId}
          value={value}
          onChange={(event) => {
            const chosen = codes.find((code) => code === event.target.value);
            if (chosen !== undefined) onChange(chosen);
          }}
        >
          {codes.map((code) => (
            <option key={code} value={code}>
              {text(code)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
