/**
 * The keys of the "Is this Anna?" answers, the same on "Unassigned faces" and on a person's
 * suggestions: arrows move, Y yes (Shift+Y: yes to all of them), N or Delete no. With Ctrl, Cmd or
 * Alt held a key is none of these.
 */
export type AnswerKey = 'next' | 'previous' | 'yes' | 'yes-all' | 'no';

/** `alsoYes`: more keys that say yes (Shift with them: yes to all), e.g. Enter. */
export function answerKey(e: KeyboardEvent, alsoYes: readonly string[] = []): AnswerKey | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return 'next';
    case 'ArrowLeft':
    case 'ArrowUp':
      return 'previous';
    case 'n':
    case 'N':
    case 'Delete':
      return 'no';
  }
  if (e.key === 'y' || e.key === 'Y' || alsoYes.includes(e.key)) return e.shiftKey ? 'yes-all' : 'yes';
  return null;
}
