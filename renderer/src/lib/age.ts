/**
 * A person's age at a photo's date, as the photo view and the person page show it ("3 years old",
 * "8 months old", "2 weeks old"). Both dates are calendar dates 'YYYY-MM-DD' (PersonSummary.birthDate,
 * PhotoInfo.date); a photo from before the birth has no age.
 */

const parse = (d: string): [number, number, number] | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
};

/** Whole calendar months from `birth` to `date` (a month counts once its day of the month is reached). */
export function monthsBetween(birth: string, date: string): number | null {
  const b = parse(birth);
  const d = parse(date);
  if (!b || !d) return null;
  return (d[0] - b[0]) * 12 + (d[1] - b[1]) - (d[2] < b[2] ? 1 : 0);
}

const DAY_MS = 86_400_000;

/**
 * The age text, or null (no birth date, no photo date, or a photo from before the birth): from 2
 * years "N years old", from 12 months "1 year old", from 1 month "N months old", from 7 days
 * "N weeks old", else "N days old" ("newborn" on the day of birth).
 */
export function ageText(birth: string | null | undefined, date: string | null | undefined): string | null {
  if (!birth || !date) return null;
  const day = date.slice(0, 10);
  if (day < birth) return null;
  const months = monthsBetween(birth, day);
  if (months === null) return null;
  if (months >= 24) return `${Math.floor(months / 12)} years old`;
  if (months >= 12) return '1 year old';
  if (months >= 1) return months === 1 ? '1 month old' : `${months} months old`;
  const days = Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${birth}T00:00:00Z`)) / DAY_MS);
  if (days >= 14) return `${Math.floor(days / 7)} weeks old`;
  if (days >= 7) return '1 week old';
  if (days === 0) return 'newborn';
  return days === 1 ? '1 day old' : `${days} days old`;
}
