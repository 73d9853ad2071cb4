/**
 * Structured log lines. Fields are ids, codes and counts by contract: never names, contacts, PINs,
 * keys or tokens. `redactFields` is a second line of defence for keys that look sensitive.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const SENSITIVE_KEY = /pin|password|secret|token|key|phone|email|name|card/i;
const ALLOWED_KEYS = new Set(['staffId', 'memberId', 'channel', 'code', 'reason', 'cause']);

export function redactFields(fields: LogFields = {}): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = !ALLOWED_KEYS.has(key) && SENSITIVE_KEY.test(key) ? '[redacted]' : value;
  }
  return out;
}

export function createConsoleLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (level: string, event: string, fields?: LogFields) =>
    write(JSON.stringify({ t: new Date().toISOString(), level, event, ...redactFields(fields) }));
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

/** Keeps lines in memory; tests read them to prove nothing sensitive was logged. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...createConsoleLogger((line) => lines.push(line)), lines };
}
