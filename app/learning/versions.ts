/**
 * Head versions: every trained head is kept (adopted or discarded, with its figures); exactly
 * one is current. Adopting makes a trained head current; roll back makes any older adopted head
 * (or the identity head, version 0) current again - one action, no retraining: the store then
 * re-projects the faces with the chosen head from their kept base embeddings.
 *
 * Pure state; the store persists `records()` (encodeHeadRecord) and `state()`.
 */
import { checkRecord, identityHead, type HeadRecord } from './record';
import { NotFoundError } from '../contract/errors';

export type HeadStatus = 'adopted' | 'discarded';

export interface HeadEntry {
  record: HeadRecord;
  status: HeadStatus;
  /** ISO time of the status change. */
  decidedAt: string;
}

export interface HeadHistoryState {
  currentId: string;
  entries: { id: string; status: HeadStatus; decidedAt: string }[];
}

export class HeadHistory {
  private readonly entries = new Map<string, HeadEntry>();
  private currentId: string;

  constructor(modelId = 'dlib-resnet-v1', base: HeadRecord = identityHead(modelId)) {
    checkRecord(base);
    this.entries.set(base.id, { record: base, status: 'adopted', decidedAt: base.createdAt });
    this.currentId = base.id;
  }

  /** Rebuilds a history from stored records and state. */
  static restore(records: readonly HeadRecord[], state: HeadHistoryState): HeadHistory {
    const base = records.find((r) => r.version === 0) ?? identityHead(records[0]?.modelId);
    const h = new HeadHistory(base.modelId, base);
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const e of state.entries) {
      const r = byId.get(e.id);
      if (!r || r.id === base.id) continue;
      checkRecord(r);
      h.entries.set(r.id, { record: r, status: e.status, decidedAt: e.decidedAt });
    }
    if (!h.entries.has(state.currentId)) throw new Error(`current head ${state.currentId} is not among the records`);
    h.currentId = state.currentId;
    return h;
  }

  current(): HeadRecord {
    return this.entries.get(this.currentId)!.record;
  }

  get(id: string): HeadEntry | undefined {
    return this.entries.get(id);
  }

  /** All entries, oldest version first. */
  list(): HeadEntry[] {
    return [...this.entries.values()].sort((a, b) => a.record.version - b.record.version || a.record.createdAt.localeCompare(b.record.createdAt));
  }

  records(): HeadRecord[] {
    return this.list().map((e) => e.record);
  }

  /** The next free version number. */
  nextVersion(): number {
    let v = 0;
    for (const e of this.entries.values()) v = Math.max(v, e.record.version);
    return v + 1;
  }

  /**
   * Records the outcome of a training run: `adopted` (from trainHead's rule) makes the head
   * current; otherwise it is kept as discarded, with its figures, for the history view.
   */
  add(record: HeadRecord, adopted: boolean, at = new Date().toISOString()): HeadEntry {
    checkRecord(record);
    if (this.entries.has(record.id)) throw new Error(`head ${record.id} already exists`);
    if (record.modelId !== this.current().modelId) throw new Error(`head ${record.id} belongs to model ${record.modelId}`);
    const e: HeadEntry = { record, status: adopted ? 'adopted' : 'discarded', decidedAt: at };
    this.entries.set(record.id, e);
    if (adopted) this.currentId = record.id;
    return e;
  }

  /**
   * Roll back (or forward) to another head: it becomes current. A discarded head can be chosen
   * only with `force` (the user overriding the rule).
   */
  rollback(id: string, force = false, at = new Date().toISOString()): HeadRecord {
    const e = this.entries.get(id);
    if (!e) throw new NotFoundError('head', `no head ${id}`);
    if (e.status === 'discarded') {
      if (!force) throw new Error(`head ${id} was discarded; pass force to use it anyway`);
      e.status = 'adopted';
      e.decidedAt = at;
    }
    this.currentId = id;
    return e.record;
  }

  /** The head that was current before the current one's adoption (its parent), for "undo". */
  previous(): HeadRecord | null {
    const p = this.current().parent;
    return p ? (this.entries.get(p)?.record ?? null) : null;
  }

  state(): HeadHistoryState {
    return {
      currentId: this.currentId,
      entries: this.list().map((e) => ({ id: e.record.id, status: e.status, decidedAt: e.decidedAt })),
    };
  }
}
