/** Scan results are written in walk order whichever worker finishes first (see Scanner.indexPhase). */

/**
 * Hands out turns in sequence order: turn(k) resolves once done() was called for every sequence
 * number below k (each number taken exactly once, from 0 up, and done() called for each).
 */
export class InOrder {
  private next = 0;
  private readonly finished = new Set<number>();
  private readonly waiting = new Map<number, () => void>();

  turn(seq: number): Promise<void> {
    if (seq <= this.next) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(seq, resolve));
  }

  done(seq: number): void {
    this.finished.add(seq);
    while (this.finished.has(this.next)) {
      this.finished.delete(this.next);
      this.next++;
    }
    for (const k of [...this.waiting.keys()].sort((a, b) => a - b)) {
      if (k > this.next) break;
      this.waiting.get(k)!();
      this.waiting.delete(k);
    }
  }
}
