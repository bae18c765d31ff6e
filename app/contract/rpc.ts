/**
 * Request/reply over any message port (Electron utilityProcess, child_process IPC, MessagePort):
 * the client side numbers requests and matches replies; events are handed to listeners. The
 * serving side is `serveRequests`. No Node or Electron imports: used by main, server and tests.
 */
import { ContractError, EVENT_NAMES, type ContractErrorShape, type EventMessage, type EventName, type ReplyMessage } from './contract';

export type EventListener = (event: EventName, data: unknown) => void;

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> | null }>();
  private readonly listeners = new Set<EventListener>();
  private closedWith: Error | null = null;

  constructor(
    private readonly send: (msg: unknown) => void,
    private readonly timeoutMs = 0,
  ) {}

  call(method: string, params?: unknown): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        this.timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new ContractError('unavailable', `the engine did not answer ${method} in ${this.timeoutMs} ms`));
            }, this.timeoutMs)
          : null;
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.send({ id, method, params });
      } catch (e) {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        reject(new ContractError('unavailable', `cannot reach the engine: ${(e as Error).message}`));
      }
    });
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feed every message that arrives from the other side. Unknown shapes are ignored. */
  handleMessage(msg: unknown): void {
    if (!msg || typeof msg !== 'object') return;
    const m = msg as Partial<ReplyMessage & EventMessage>;
    if (typeof m.event === 'string') {
      if (!(EVENT_NAMES as readonly string[]).includes(m.event)) return;
      for (const l of this.listeners) l(m.event, m.data);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (p.timer) clearTimeout(p.timer);
    if (m.ok === true) p.resolve((m as { result: unknown }).result);
    else {
      const err = (m as { error?: ContractErrorShape }).error;
      p.reject(new ContractError(err?.code ?? 'failed', err?.message ?? 'the engine failed'));
    }
  }

  /** Fails every pending and later request (the other side is gone). */
  close(reason: string): void {
    this.closedWith = new ContractError('unavailable', reason);
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.closedWith);
      this.pending.delete(id);
    }
  }
}

/** Turns any thrown value into the wire error shape. */
export function toErrorShape(e: unknown): ContractErrorShape {
  if (e instanceof ContractError) return e.toJSON();
  return { code: 'failed', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Serves requests arriving on a port with `handle`, and returns a function that posts events.
 */
export function serveRequests(
  post: (msg: unknown) => void,
  handle: (method: unknown, params: unknown) => Promise<unknown>,
): { onMessage: (msg: unknown) => void; postEvent: (event: EventName, data: unknown) => void } {
  return {
    onMessage(msg: unknown) {
      const m = msg as { id?: unknown; method?: unknown; params?: unknown } | null;
      if (!m || typeof m !== 'object' || typeof m.id !== 'number') return;
      const id = m.id;
      handle(m.method, m.params).then(
        (result) => post({ id, ok: true, result: result ?? null }),
        (e) => post({ id, ok: false, error: toErrorShape(e) }),
      );
    },
    postEvent(event, data) {
      post({ event, data });
    },
  };
}
