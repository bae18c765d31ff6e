/** Small text helpers for the UI. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function basename(p: string | null | undefined): string {
  if (!p) return '';
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

export function displayName(name: string | null | undefined): string {
  return name && name.trim() ? name : 'Unnamed';
}

export function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/**
 * What a face thumbnail is, for screen readers: "Face of Anna in IMG_2041.jpg", "Face of an
 * unknown person in IMG_2041.jpg" (no person), "Face of an unnamed person in …" (a person with no name).
 */
export function faceLabel(face: { personId?: number | null; personName?: string | null; photoPath?: string | null } | undefined, person?: { id: number | null; name: string | null }): string {
  const personId = person ? person.id : (face?.personId ?? null);
  const name = person ? person.name : (face?.personName ?? null);
  const who = personId === null ? 'an unknown person' : name && name.trim() ? name : 'an unnamed person';
  const file = basename(face?.photoPath);
  return `Face of ${who}${file ? ` in ${file}` : ''}`;
}
