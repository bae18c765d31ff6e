/** Helpers of the "Learn from my corrections" screen: the training chart's geometry and the figures. */
import type { HeadSummary, HeldBackCheck, HeldOutFigures, LearningSummary, TrainOutcome, TrainProgress } from '../../../app/contract/contract';

export interface Tick {
  /** Position along the axis in chart pixels. */
  at: number;
  label: string;
}

export interface ChartGeometry {
  width: number;
  height: number;
  /** The plot area inside the axes. */
  plot: { x: number; y: number; width: number; height: number };
  /** SVG polyline points ("x,y x,y ...") of the loss and of the validation accuracy. */
  loss: string;
  val: string;
  /** The last point of each series (a dot marks it). */
  lossEnd: { x: number; y: number } | null;
  valEnd: { x: number; y: number } | null;
  lossTicks: Tick[];
  valTicks: Tick[];
  epochTicks: Tick[];
}

/** A "nice" upper bound for an axis (1, 2, 2.5 or 5 times a power of ten). */
export function niceMax(x: number): number {
  if (!Number.isFinite(x) || x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/** A tick label: at most two significant digits below 10 (0.25, 0.0013, 2.5), whole numbers above. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 10) return v.toFixed(0);
  return String(Number(v.toPrecision(2)));
}

/**
 * Where the loss (left axis, 0..nice max) and the held-out accuracy (right axis, 0..100%) of each
 * epoch go in a chart of the given size. While training runs the x axis spans epochs 1..epochs (the
 * planned count, so the curve grows to the right); `fit` spans the epochs that ran (a finished job
 * that stopped early fills the chart).
 */
export function chartGeometry(progress: readonly TrainProgress[], size: { width: number; height: number } = { width: 640, height: 220 }, opts: { fit?: boolean } = {}): ChartGeometry {
  const { width, height } = size;
  const plot = { x: 44, y: 12, width: width - 44 - 48, height: height - 12 - 28 };
  const epochs = Math.max(1, ...progress.map((p) => (opts.fit ? p.epoch : Math.max(p.epochs, p.epoch))));
  const lossMax = niceMax(Math.max(0, ...progress.map((p) => (Number.isFinite(p.loss) ? p.loss : 0))));
  const xOf = (epoch: number) => plot.x + (epochs <= 1 ? plot.width / 2 : ((epoch - 1) / (epochs - 1)) * plot.width);
  const yLoss = (loss: number) => plot.y + plot.height - (Math.min(Math.max(loss, 0), lossMax) / lossMax) * plot.height;
  const yVal = (acc: number) => plot.y + plot.height - Math.min(Math.max(acc, 0), 1) * plot.height;
  const r = (v: number) => Math.round(v * 10) / 10;
  const lossPts = progress.filter((p) => Number.isFinite(p.loss)).map((p) => ({ x: r(xOf(p.epoch)), y: r(yLoss(p.loss)) }));
  const valPts = progress.filter((p) => Number.isFinite(p.val?.accuracy)).map((p) => ({ x: r(xOf(p.epoch)), y: r(yVal(p.val.accuracy)) }));
  const pts = (l: { x: number; y: number }[]) => l.map((p) => `${p.x},${p.y}`).join(' ');
  const lossTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ at: r(yLoss(f * lossMax)), label: tickLabel(f * lossMax) }));
  const valTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ at: r(yVal(f)), label: `${Math.round(f * 100)}%` }));
  const step = epochs <= 10 ? 1 : epochs <= 20 ? 2 : epochs <= 50 ? 5 : Math.ceil(epochs / 10 / 5) * 5;
  const epochTicks: Tick[] = [];
  for (let e = 1; e <= epochs; e += e === 1 && step > 1 ? step - 1 : step) epochTicks.push({ at: r(xOf(e)), label: String(e) });
  if (epochTicks.at(-1)?.label !== String(epochs)) epochTicks.push({ at: r(xOf(epochs)), label: String(epochs) });
  return { width, height, plot, loss: pts(lossPts), val: pts(valPts), lossEnd: lossPts.at(-1) ?? null, valEnd: valPts.at(-1) ?? null, lossTicks, valTicks, epochTicks };
}

/** A loss for the legend: 0.1234 -> "0.123", 0.00012 -> "0.00012", 0 -> "0". */
export function lossText(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  return Math.abs(x) >= 0.01 ? x.toFixed(3) : String(Number(x.toPrecision(2)));
}

/** 0.8734 -> "87.3%". */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`;
}

export type Figure = keyof HeldOutFigures;
export const FIGURES: { key: Figure; label: string; higherIsBetter: boolean }[] = [
  { key: 'accuracy', label: 'Right person', higherIsBetter: true },
  { key: 'wrong', label: 'Wrong person', higherIsBetter: false },
  { key: 'unassigned', label: 'Not recognised', higherIsBetter: false },
];

/** The change of one figure in percentage points, and whether it is an improvement. */
export function change(before: HeldOutFigures | null, after: HeldOutFigures | null, key: Figure): { text: string; better: boolean | null } {
  if (!before || !after) return { text: '—', better: null };
  const d = (after[key] - before[key]) * 100;
  if (Math.abs(d) < 0.05) return { text: '±0', better: null };
  const higher = FIGURES.find((f) => f.key === key)!.higherIsBetter;
  return { text: `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} pts`, better: d > 0 === higher };
}

/** "Version 3", or "Base model" for the network's own embedding. */
export function headLabel(h: Pick<HeadSummary, 'id' | 'version'>): string {
  return h.id === 'base' || h.version === 0 ? 'Base model' : `Version ${h.version}`;
}

export type HeadAction = 'roll-back' | 'use-again' | 'use-anyway';

/**
 * What switching to a head means: back to the base model or an older version ("Roll back"), to a
 * newer adopted version after a roll back ("Use again"), or to a version that was discarded for
 * doing worse ("Use anyway"). Null for the head in use.
 */
export function headAction(h: HeadSummary, active: HeadSummary): HeadAction | null {
  if (h.active || h.id === active.id) return null;
  if (h.id !== 'base' && !h.adopted) return 'use-anyway';
  if (h.id === 'base' || h.version < active.version) return 'roll-back';
  return 'use-again';
}

export const ACTION_LABEL: Record<HeadAction, string> = { 'roll-back': 'Roll back', 'use-again': 'Use again', 'use-anyway': 'Use anyway' };

/** The confirmation's title: "Roll back to base model?", "Use version 2 anyway?"... */
export function actionTitle(h: HeadSummary, a: HeadAction): string {
  const name = headLabel(h).toLowerCase();
  return a === 'roll-back' ? `Roll back to ${name}?` : a === 'use-again' ? `Use ${name} again?` : `Use ${name} anyway?`;
}

/** One row of the Learn screen's held-back table: a count under the current and the trained version. */
export interface HeldBackRow {
  label: string;
  before: number;
  after: number;
  /** the count rose where rising is worse (wrong, put back where the user said No) */
  worse: boolean;
}

/**
 * The adoption check as the Learn screen shows it: a sentence when the user's own labels were too
 * few to judge (nothing adopted), else before/after counts on the user's held-back faces.
 */
export function heldBackView(h: HeldBackCheck): { tooFew: string } | { caption: string; rows: HeldBackRow[] } {
  if (h.faces < h.need) return { tooFew: `Too few of your own labels to judge: ${h.faces}, need ${h.need}. Nothing was adopted; move, confirm or answer more faces and try again.` };
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const rows: HeldBackRow[] = [
    { label: 'Right person', before: h.before.right, after: h.after.right, worse: false },
    { label: 'Wrong person', before: h.before.wrong, after: h.after.wrong, worse: h.after.wrong > h.before.wrong },
    { label: 'Nobody', before: h.before.unassigned, after: h.after.unassigned, worse: false },
  ];
  if (h.rejections) rows.push({ label: 'Put back where you said No', before: h.before.rejectedIn, after: h.after.rejectedIn, worse: h.after.rejectedIn > h.before.rejectedIn });
  const caption = `Your own ${n(h.faces, 'held-back face', 'held-back faces')}${h.rejections ? ` and ${n(h.rejections, '“not this person” answer', '“not this person” answers')}` : ''} (never trained on)`;
  return { caption, rows };
}

/**
 * The regroup check as the Learn screen says it (app/learning/regroup.ts): how much the trained
 * version would change which faces you have not named sit together. Empty when nothing was checked.
 */
export function regroupLine(r: TrainOutcome['regroup']): { text: string; worse: boolean } | null {
  if (!r) return null;
  const p = (x: number) => `${Math.round(x * 1000) / 10} %`;
  const worse = r.share > r.max;
  return {
    text: `Faces you have not named: ${p(r.share)} of their close pairs would be new ones (at most ${p(r.max)}${worse ? ': not put in use' : ''}).`,
    worse,
  };
}

/**
 * Said before training when the user has answered "not this person" too rarely for a new version to
 * be checked for strangers (app/learning/judge.ts MIN_JUDGE_REJECTIONS): it would be trained and
 * kept, not put in use. Empty when there are enough.
 */
export function noAnswersNote(s: Pick<LearningSummary, 'noAnswers' | 'minNoAnswers'>): string {
  const { noAnswers: have, minNoAnswers: need } = s;
  if (have >= need) return '';
  return `A new version is put in use only when enough of your "No" answers can show it brings no strangers into your people: you have ${have}, about ${need} are needed (answer "Is this …?" on a person's page). Without them it is kept aside, and you can still use it.`;
}
