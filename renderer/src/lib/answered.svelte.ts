/**
 * Items answered on a screen that lists them ("Is this Anna?" faces, "Same person?" pairs): hidden
 * at once, and shown again only by a list asked for after their answer was saved (which no longer
 * lists them) or when the answer failed. A list asked for before the answer was saved still lists
 * the item, and must not bring it back for a moment, where a key or a click would answer it again.
 */
import { SvelteSet } from 'svelte/reactivity';

export class Answered<K> {
  /** What the screen hides now (reactive). */
  readonly hidden = new SvelteSet<K>();
  /** Hidden items whose answer is saved. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping only: nothing renders from it
  private readonly saved = new Set<K>();

  /** The user answered them: hide them now. */
  hide(keys: readonly K[]): void {
    for (const k of keys) this.hidden.add(k);
  }

  /** Their answer was saved (true) or refused (false: show them again). */
  done(keys: readonly K[], saved: boolean): void {
    for (const k of keys) {
      if (saved) this.saved.add(k);
      else this.hidden.delete(k);
    }
  }

  /**
   * Call when asking for a new list; call the function it returns when that list is shown: the
   * items saved before the list was asked for are no longer hidden (the list leaves them out).
   */
  asking(): () => void {
    const before = [...this.saved];
    return () => {
      for (const k of before) {
        this.hidden.delete(k);
        this.saved.delete(k);
      }
    };
  }

  /** Another list altogether (another person): nothing hidden. */
  clear(): void {
    this.hidden.clear();
    this.saved.clear();
  }
}
