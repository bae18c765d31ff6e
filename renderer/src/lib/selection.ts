/**
 * Selection of items in a list or grid, the way file managers do it: click selects one,
 * Ctrl/Cmd+click toggles, Shift+click selects the range from the anchor, arrows move the focus
 * (Shift extends), Space toggles the focused item, Ctrl/Cmd+A selects all, Escape clears.
 */
export interface Modifiers {
  shift?: boolean;
  toggle?: boolean;
}

export class Selection<K> {
  private keys: K[] = [];
  private selected = new Set<K>();
  anchor: number | null = null;
  focus: number | null = null;

  constructor(keys: readonly K[] = []) {
    this.setKeys(keys);
  }

  /** New item list (keeps the selection of keys still present). */
  setKeys(keys: readonly K[]): void {
    this.keys = [...keys];
    const present = new Set(this.keys);
    for (const k of [...this.selected]) if (!present.has(k)) this.selected.delete(k);
    if (this.focus !== null && this.focus >= this.keys.length) this.focus = this.keys.length ? this.keys.length - 1 : null;
    if (this.anchor !== null && this.anchor >= this.keys.length) this.anchor = this.focus;
  }

  get size(): number {
    return this.selected.size;
  }

  has(k: K): boolean {
    return this.selected.has(k);
  }

  /** Selected keys in list order. */
  values(): K[] {
    return this.keys.filter((k) => this.selected.has(k));
  }

  click(index: number, m: Modifiers = {}): void {
    if (index < 0 || index >= this.keys.length) return;
    const key = this.keys[index]!;
    if (m.shift && this.anchor !== null) {
      if (!m.toggle) this.selected.clear();
      this.selectRange(this.anchor, index);
    } else if (m.toggle) {
      if (this.selected.has(key)) this.selected.delete(key);
      else this.selected.add(key);
      this.anchor = index;
    } else {
      this.selected.clear();
      this.selected.add(key);
      this.anchor = index;
    }
    this.focus = index;
  }

  private selectRange(a: number, b: number): void {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    for (let i = lo; i <= hi; i++) this.selected.add(this.keys[i]!);
  }

  /** Moves the focus by `delta` (arrow keys; `columns` rows apart for up/down). */
  move(delta: number, m: Modifiers = {}): void {
    if (this.keys.length === 0) return;
    const from = this.focus ?? (delta > 0 ? -1 : this.keys.length);
    const to = Math.max(0, Math.min(this.keys.length - 1, from + delta));
    this.focus = to;
    if (m.shift) {
      if (this.anchor === null) this.anchor = from < 0 || from >= this.keys.length ? to : from;
      this.selected.clear();
      this.selectRange(this.anchor, to);
    } else if (!m.toggle) {
      // Plain arrows move the focus only; Space selects.
    }
  }

  home(m: Modifiers = {}): void {
    if (this.focus === null) this.focus = 0;
    this.move(-this.keys.length, m);
  }

  end(m: Modifiers = {}): void {
    if (this.focus === null) this.focus = 0;
    this.move(this.keys.length, m);
  }

  /** Space: toggles the focused item. */
  toggleFocused(): void {
    if (this.focus === null) return;
    this.click(this.focus, { toggle: true });
  }

  selectAll(): void {
    for (const k of this.keys) this.selected.add(k);
  }

  clear(): void {
    this.selected.clear();
    this.anchor = null;
  }

  /**
   * Handles a key press in a grid with `columns` columns. Returns true when the key was used
   * (the caller then prevents the default).
   */
  key(e: { key: string; shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean }, columns = 1): boolean {
    const mod = { shift: !!e.shiftKey, toggle: !!(e.ctrlKey || e.metaKey) };
    switch (e.key) {
      case 'ArrowRight':
        this.move(1, mod);
        return true;
      case 'ArrowLeft':
        this.move(-1, mod);
        return true;
      case 'ArrowDown':
        this.move(columns, mod);
        return true;
      case 'ArrowUp':
        this.move(-columns, mod);
        return true;
      case 'Home':
        this.home(mod);
        return true;
      case 'End':
        this.end(mod);
        return true;
      case ' ':
      case 'Enter':
        this.toggleFocused();
        return true;
      case 'Escape':
        if (this.selected.size === 0) return false;
        this.clear();
        return true;
      case 'a':
      case 'A':
        if (!mod.toggle) return false;
        this.selectAll();
        return true;
      default:
        return false;
    }
  }
}
