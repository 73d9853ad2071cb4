/**
 * JSON Canonicalization Scheme (RFC 8785) for the values this app hashes and MACs: the audit chain,
 * approval bindings, outbox payloads and request fingerprints on the till, and catalogue comparisons
 * at HQ. One copy for both sides, because a chain written today must verify forever: object keys
 * sorted by UTF-16 code units at every level, strings and numbers as ECMAScript's JSON.stringify
 * writes them (which is what RFC 8785 specifies), no whitespace. Object members whose value is
 * undefined are left out and undefined in an array is null, as JSON.stringify does; RFC 8785 has no
 * undefined. Written here rather than taken from a package: it is ten lines over JSON.stringify,
 * and the RFC's own vectors pin it (tests/unit/canonical-json.test.ts).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
