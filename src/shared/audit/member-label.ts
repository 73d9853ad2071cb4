/**
 * How the audit log names a member: the given name and the family name's initial ("Anna K.")
 * and the card's last four digits ("••••1234"). Enough for a manager to recognise whom an entry is
 * about, not enough to copy a name and card out of the log. Used by the till and by HQ.
 */
export function maskedMemberName(given: string, family: string): string {
  const initial = Array.from(family.trim())[0];
  return initial ? `${given.trim()} ${initial.toUpperCase()}.` : given.trim();
}

export function maskedCardNumber(card: string): string {
  const digits = card.replace(/\D/g, '');
  return `••••${digits.slice(-4)}`;
}
