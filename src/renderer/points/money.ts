import { MAX_PURCHASE_MINOR } from '../../shared/points/rules';

export type AmountProblem = 'required' | 'amount_format' | 'too_small' | 'too_big';

/**
 * Reads an amount typed at the till ("12", "12.5", "12,50", "1 299.99") as minor units of a
 * currency with `minorPerUnit` minor units per unit. Never goes through floating point.
 */
export function parseAmount(input: string, minorPerUnit: number): { minor: number } | { problem: AmountProblem } {
  const compact = input.replace(/[\s\u00a0\u202f]/g, '');
  if (!compact) return { problem: 'required' };
  const decimals = Math.round(Math.log10(minorPerUnit));
  const match = /^(\d{1,9})(?:[.,](\d*))?$/.exec(compact);
  if (!match) return { problem: compact.startsWith('-') ? 'too_small' : 'amount_format' };
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return { problem: 'amount_format' };
  const minor = Number(match[1]) * minorPerUnit + Number(fraction.padEnd(decimals, '0') || '0');
  if (minor <= 0) return { problem: 'too_small' };
  if (minor > MAX_PURCHASE_MINOR) return { problem: 'too_big' };
  return { minor };
}
