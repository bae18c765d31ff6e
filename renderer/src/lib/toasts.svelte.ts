/**
 * Toasts: short messages at the bottom, optionally with one action (Undo / Redo). A toast stays
 * while hovered or focused and otherwise leaves after `timeout` ms.
 */
export interface ToastAction {
  label: string;
  run: () => void | Promise<void>;
}

export interface Toast {
  id: number;
  message: string;
  kind: 'info' | 'error';
  action: ToastAction | null;
  timeout: number;
}

export class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- timer handles, never rendered
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  show(message: string, opts: { action?: ToastAction; kind?: 'info' | 'error'; timeout?: number } = {}): number {
    const id = this.nextId++;
    const t: Toast = { id, message, kind: opts.kind ?? 'info', action: opts.action ?? null, timeout: opts.timeout ?? 6000 };
    // One undo toast at a time: a new correction replaces the previous toast.
    for (const old of this.items) this.clearTimer(old.id);
    this.items = [t];
    this.arm(t);
    return id;
  }

  error(message: string): number {
    return this.show(message, { kind: 'error', timeout: 8000 });
  }

  private arm(t: Toast): void {
    if (t.timeout > 0) this.timers.set(t.id, setTimeout(() => this.dismiss(t.id), t.timeout));
  }

  private clearTimer(id: number): void {
    const tm = this.timers.get(id);
    if (tm) clearTimeout(tm);
    this.timers.delete(id);
  }

  /** Hover/focus: keep it. */
  hold(id: number): void {
    this.clearTimer(id);
  }

  release(id: number): void {
    const t = this.items.find((x) => x.id === id);
    if (t && !this.timers.has(id)) this.arm(t);
  }

  dismiss(id: number): void {
    this.clearTimer(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  async runAction(id: number): Promise<void> {
    const t = this.items.find((x) => x.id === id);
    if (!t?.action) return;
    this.dismiss(id);
    await t.action.run();
  }
}

export const toasts = new Toasts();
