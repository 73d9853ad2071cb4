/**
 * A member as someone who may not see member data is shown them: initials and the card's last four
 * digits ("A. K." and "••1234", together "A. K. ••1234"). Enough to tell members apart and for
 * someone who knows the member to recognise them, not a name to copy. The alerts' form; the audit
 * log's fuller form for those who may see members is audit/member-label.ts.
 */
export function memberInitials(given: string, family: string): string {
  const initial = (name: string): string => {
    const first = Array.from(name.trim())[0];
    return first === undefined ? '' : `${first.toLocaleUpperCase()}.`;
  };
  return [initial(given), initial(family)].filter((part) => part !== '').join(' ');
}

/** The card's last four digits, "••1234"; '' when there is no card (an erased member's). */
export function cardLastDigits(card: string | null): string {
  const digits = (card ?? '').replace(/\D/g, '');
  return digits.length === 0 ? '' : `••${digits.slice(-4)}`;
}
