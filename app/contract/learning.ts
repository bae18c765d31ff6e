/**
 * "Learn from my corrections", as the app, the CLI and tests see it (implemented by
 * app/learning/learning-service.ts over the library database and the people service).
 */
import type { ClusterStats } from './people';

/** Figures of one head on the held-out slice of the user's labels. */
export interface HeldOutFigures {
  /** Held-out faces given to the right named person. */
  accuracy: number;
  /** ... to a wrong person (fraction). */
  wrong: number;
  /** ... to nobody (fraction). */
  unassigned: number;
}

/** One head's decisions on the user's held-back faces (the adoption check), counted. */
export interface HeldBackCounts {
  /** given to their own person */
  right: number;
  /** given to another person */
  wrong: number;
  /** given to nobody */
  unassigned: number;
  /** faces the user said are NOT a person, put into that person (strangers in named people) */
  rejectedIn: number;
}

/** The adoption check of a training run: on the user's own held-back faces only, never machine-placed ones. */
export interface HeldBackCheck {
  /** the user's labelled faces held back (never trained on, never used to choose the epoch) */
  faces: number;
  /** the user's "not this person" answers held back */
  rejections: number;
  /** the fewest held-back faces a trustworthy check needs; with fewer nothing is adopted */
  need: number;
  before: HeldBackCounts;
  after: HeldBackCounts;
}

export interface HeadSummary {
  /** 'base' = the network's own embedding (no head). */
  id: string;
  version: number;
  parent: string | null;
  createdAt: string;
  modelId: string;
  /** Adopted: it beat its parent on held-out labels. Discarded heads are kept for the record. */
  adopted: boolean;
  /** The head whose vectors the library uses now. */
  active: boolean;
  before: HeldOutFigures | null;
  after: HeldOutFigures | null;
  labelledFaces: number;
  seconds: number;
}

export interface LearningSummary {
  /** Faces the user named, confirmed, moved or put into a person (anchors and positives). */
  labelledFaces: number;
  /** People with at least two labelled faces (they make triplets). */
  people: number;
  /** "Not this person" decisions and same-photo pairs used as negatives. */
  negatives: number;
  /** Training needs at least this many people with two labelled faces. */
  minPeople: number;
  /** Faces the user answered "not this person" for: a fifth of them check a new version for strangers. */
  noAnswers: number;
  /** About this many such faces let a new version be put in use (enough held back to check it). */
  minNoAnswers: number;
  ready: boolean;
  active: HeadSummary;
  heads: HeadSummary[];
  /** The faces the last switch put into named people, still open; null when there is no record. */
  changes: LearningChanges | null;
}

/** The faces the last head switch put into a named person (app/learning/changes.ts), still open. */
export interface ChangedPerson {
  personId: number;
  name: string;
  /** Faces the machine still has in this person, unconfirmed (the list stops at a few hundred). */
  faces: number[];
  /** How many are open. */
  count: number;
}

/** What the last head switch (adoption or roll back) put into the people the user named. */
export interface LearningChanges {
  /** The head switched to, and when its re-cluster finished. */
  headId: string;
  switchedAt: string;
  /** Faces that joined named people in that re-cluster. */
  recorded: number;
  /** Of those, still open (not answered by a correction since). */
  open: number;
  /** People with open faces, most first. */
  people: ChangedPerson[];
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
  val: HeldOutFigures;
}

export interface TrainOutcome {
  head: HeadSummary;
  adopted: boolean;
  /** Why it was adopted or discarded, in words. */
  reason: string;
  before: HeldOutFigures;
  after: HeldOutFigures;
  seconds: number;
  history: TrainProgress[];
  /** Re-clustering done after adoption (null when discarded). */
  people: ClusterStats | null;
  /** The adoption check, counted: the Learn screen's before/after on the user's held-back faces. */
  heldBack: HeldBackCheck;
  /**
   * The regroup check (app/learning/regroup.ts) of a head the held-back faces found better: the
   * share of close pairs among the faces nobody named that the head would make new, and the most
   * allowed. Null when the head was not better there (nothing to check).
   */
  regroup: { share: number; max: number } | null;
}

/** Re-projection of the library after a head is adopted or rolled back (chunked, in the background). */
export interface ReprojectProgress {
  /** The head the faces are being moved to ('base' = the network itself). */
  headId: string;
  /** Faces re-projected so far. */
  done: number;
  /** Faces to re-project (those out of date when it started). */
  total: number;
}
