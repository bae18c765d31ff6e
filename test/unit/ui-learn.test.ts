/** The "Learn from my corrections" screen's logic without a DOM: the chart's geometry, the figures, the people file messages. */
import { describe, expect, it } from 'vitest';
import type { HeadSummary, PeopleImport, TrainProgress } from '../../app/contract/contract';
import { actionTitle, change, lossText, chartGeometry, headAction, headLabel, heldBackView, niceMax, noAnswersNote, pct, regroupLine, tickLabel } from '../../renderer/src/lib/learning';
import { importMessage } from '../../renderer/src/lib/people-file';

const figs = (accuracy: number) => ({ accuracy, wrong: (1 - accuracy) / 2, unassigned: (1 - accuracy) / 2 });
const epoch = (e: number, epochs: number, loss: number, acc: number): TrainProgress => ({ epoch: e, epochs, loss, val: figs(acc) });
const pts = (s: string) => s.split(' ').filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]);

describe('training chart geometry', () => {
  it('rounds axis maxima up to nice numbers', () => {
    expect(niceMax(0.37)).toBe(0.5);
    expect(niceMax(0.2)).toBe(0.2);
    expect(niceMax(1.3)).toBe(2);
    expect(niceMax(2.2)).toBe(2.5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(Number.NaN)).toBe(1);
    expect(niceMax(0.0037)).toBe(0.005);
  });

  it('labels ticks distinctly even for tiny losses', () => {
    expect(tickLabel(0)).toBe('0');
    expect(tickLabel(0.125)).toBe('0.13');
    expect(tickLabel(0.00125)).toBe('0.0013');
    expect(tickLabel(2.5)).toBe('2.5');
    expect(tickLabel(25)).toBe('25');
    const labels = chartGeometry([epoch(1, 30, 0.0037, 1), epoch(2, 30, 0, 1)]).lossTicks.map((t) => t.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('puts epochs left to right over the planned count, loss on the left axis and accuracy (0..100%) on the right', () => {
    const g = chartGeometry([epoch(1, 10, 0.4, 0.5), epoch(2, 10, 0.3, 0.6), epoch(3, 10, 0.2, 1)], { width: 640, height: 220 });
    const loss = pts(g.loss);
    const val = pts(g.val);
    expect(loss).toHaveLength(3);
    expect(val).toHaveLength(3);
    const { x, y, width, height } = g.plot;
    // Epoch 1 at the left edge, epoch 10 (not yet reached) at the right: the curve grows rightwards.
    expect(loss[0]![0]).toBeCloseTo(x, 0);
    expect(loss[2]![0]).toBeCloseTo(x + (2 / 9) * width, 0);
    // Loss 0.4 of an axis up to 0.5; it falls, so y grows (SVG y points down).
    expect(loss[0]![1]).toBeCloseTo(y + height - 0.8 * height, 0);
    expect(loss[1]![1]).toBeGreaterThan(loss[0]![1]);
    // Accuracy 100% at the top, 50% in the middle.
    expect(val[2]![1]).toBeCloseTo(y, 0);
    expect(val[0]![1]).toBeCloseTo(y + height / 2, 0);
    expect(g.lossEnd).toEqual({ x: loss[2]![0], y: loss[2]![1] });
    expect(g.lossTicks.map((t) => t.label)).toEqual(['0', '0.13', '0.25', '0.38', '0.5']);
    expect(g.valTicks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
    expect(g.epochTicks[0]!.label).toBe('1');
    expect(g.epochTicks.at(-1)!.label).toBe('10');
    // Everything inside the plot.
    for (const [px, py] of [...loss, ...val]) {
      expect(px).toBeGreaterThanOrEqual(x);
      expect(px).toBeLessThanOrEqual(x + width);
      expect(py).toBeGreaterThanOrEqual(y);
      expect(py).toBeLessThanOrEqual(y + height);
    }
  });

  it('fits a finished job that stopped early to the epochs that ran', () => {
    const run = [epoch(1, 30, 0.4, 0.5), epoch(2, 30, 0.3, 0.6), epoch(3, 30, 0.2, 0.7)];
    const g = chartGeometry(run, { width: 640, height: 220 }, { fit: true });
    expect(pts(g.loss)[2]![0]).toBeCloseTo(g.plot.x + g.plot.width, 0);
    expect(g.epochTicks.map((t) => t.label)).toEqual(['1', '2', '3']);
  });

  it('copes with no epochs, one planned epoch, and non-finite losses', () => {
    const empty = chartGeometry([]);
    expect(empty.loss).toBe('');
    expect(empty.val).toBe('');
    expect(empty.lossEnd).toBeNull();
    const one = chartGeometry([epoch(1, 1, 0.3, 0.7)]);
    expect(pts(one.loss)[0]![0]).toBeCloseTo(one.plot.x + one.plot.width / 2, 0);
    const nan = chartGeometry([epoch(1, 5, Number.NaN, 0.7), epoch(2, 5, 0.1, 0.8)]);
    expect(pts(nan.loss)).toHaveLength(1);
    expect(pts(nan.val)).toHaveLength(2);
    const many = chartGeometry(Array.from({ length: 30 }, (_, i) => epoch(i + 1, 30, 1 / (i + 1), 0.5)));
    expect(many.epochTicks.length).toBeLessThanOrEqual(8);
  });
});

describe('learning figures', () => {
  it('formats shares and changes, good or bad by the figure', () => {
    expect(pct(0.8734)).toBe('87.3%');
    expect(pct(null)).toBe('—');
    expect(lossText(0.12345)).toBe('0.123');
    expect(lossText(0.000123)).toBe('0.00012');
    expect(lossText(0)).toBe('0');
    const before = { accuracy: 0.8, wrong: 0.05, unassigned: 0.15 };
    const after = { accuracy: 0.9, wrong: 0.07, unassigned: 0.03 };
    expect(change(before, after, 'accuracy')).toEqual({ text: '+10.0 pts', better: true });
    expect(change(before, after, 'wrong')).toEqual({ text: '+2.0 pts', better: false });
    expect(change(before, after, 'unassigned')).toEqual({ text: '−12.0 pts', better: true });
    expect(change(before, before, 'wrong')).toEqual({ text: '±0', better: null });
    expect(change(null, after, 'wrong').better).toBeNull();
  });

  it('names heads and says what switching to one means: roll back, use again, use anyway', () => {
    const h = (over: Partial<HeadSummary>): HeadSummary => ({ id: 'm/head-2', version: 2, parent: null, createdAt: '', modelId: 'm', adopted: true, active: false, before: null, after: null, labelledFaces: 0, seconds: 0, ...over });
    const base = h({ id: 'base', version: 0 });
    const v1 = h({ id: 'm/head-1', version: 1 });
    const v2 = h({});
    const v3 = h({ id: 'm/head-3', version: 3, adopted: false });
    expect(headLabel(v2)).toBe('Version 2');
    expect(headLabel(base)).toBe('Base model');
    const activeV2 = { ...v2, active: true };
    expect(headAction(activeV2, activeV2)).toBeNull();
    expect(headAction(base, activeV2)).toBe('roll-back');
    expect(headAction(v1, activeV2)).toBe('roll-back');
    expect(headAction(v3, activeV2)).toBe('use-anyway');
    const activeBase = { ...base, active: true };
    expect(headAction(v2, activeBase)).toBe('use-again');
    expect(headAction(activeBase, activeBase)).toBeNull();
    expect(actionTitle(base, 'roll-back')).toBe('Roll back to base model?');
    expect(actionTitle(v3, 'use-anyway')).toBe('Use version 3 anyway?');
    expect(actionTitle(v2, 'use-again')).toBe('Use version 2 again?');
  });

  it('shows the adoption check on the user\'s held-back faces: too few to judge as a sentence, else counts before/after with the worse ones marked', () => {
    const c = (right: number, wrong: number, unassigned: number, rejectedIn: number) => ({ right, wrong, unassigned, rejectedIn });
    expect(heldBackView({ faces: 7, rejections: 2, need: 20, before: c(5, 0, 2, 0), after: c(5, 0, 2, 0) })).toEqual({
      tooFew: 'Too few of your own labels to judge: 7, need 20. Nothing was adopted; move, confirm or answer more faces and try again.',
    });
    const v = heldBackView({ faces: 24, rejections: 3, need: 20, before: c(20, 0, 4, 0), after: c(22, 1, 1, 1) });
    expect(v).toEqual({
      caption: 'Your own 24 held-back faces and 3 “not this person” answers (never trained on)',
      rows: [
        { label: 'Right person', before: 20, after: 22, worse: false },
        { label: 'Wrong person', before: 0, after: 1, worse: true },
        { label: 'Nobody', before: 4, after: 1, worse: false },
        { label: 'Put back where you said No', before: 0, after: 1, worse: true },
      ],
    });
    const none = heldBackView({ faces: 21, rejections: 0, need: 20, before: c(20, 1, 0, 0), after: c(20, 0, 1, 0) });
    expect('rows' in none && none.rows.map((r) => r.label)).toEqual(['Right person', 'Wrong person', 'Nobody']);
    expect('rows' in none && none.rows.some((r) => r.worse)).toBe(false);
  });

  it('says how much a version would regroup the faces the user has not named, and when that kept it out of use', () => {
    expect(regroupLine(null)).toBeNull();
    expect(regroupLine({ share: 0.0242, max: 0.05 })).toEqual({ text: 'Faces you have not named: 2.4 % of their close pairs would be new ones (at most 5 %).', worse: false });
    expect(regroupLine({ share: 0.0836, max: 0.05 })).toEqual({
      text: 'Faces you have not named: 8.4 % of their close pairs would be new ones (at most 5 %: not put in use).',
      worse: true,
    });
  });

  it('describes imports in one line', () => {
    const r = (over: Partial<PeopleImport>): PeopleImport => ({ persons: 3, faces: 6, unmatched: [], correction: { changed: 1 } as never, ...over });
    expect(importMessage(r({}))).toBe('Imported 3 people, 6 faces');
    expect(importMessage(r({ persons: 1, faces: 1 }), 'Read from XMP:')).toBe('Read from XMP: 1 person, 1 face');
    expect(importMessage(r({ unmatched: [{ path: '/a.jpg', box: { x: 0, y: 0, width: 1, height: 1 }, reason: 'photo-not-found' }] }))).toBe('Imported 3 people, 6 faces; 1 not found in this library');
    expect(importMessage(r({ correction: null }))).toBe('Nothing to import');
    expect(
      importMessage(
        r({
          persons: 2,
          faces: 3,
          named: [{ personId: 4, name: 'Amy' }],
          merged: [{ personId: 5, intoId: 2, name: 'Penny' }],
          conflicts: [{ personId: 6, personName: null, names: ['Amy', 'Penny'], faceIds: [7, 8] }],
        }),
        'Read from XMP:',
      ),
    ).toBe('Read from XMP: 2 people, 3 faces; 1 person named; 1 merged into the person of that name; 1 person with conflicting names (Amy / Penny): only the named faces moved');
  });
});

describe('the No answers a new version needs', () => {
  it('says how many the user has and about how many are needed before training, and nothing once there are enough', () => {
    expect(noAnswersNote({ noAnswers: 12, minNoAnswers: 100 })).toBe(
      'A new version is put in use only when enough of your "No" answers can show it brings no strangers into your people: you have 12, about 100 are needed (answer "Is this …?" on a person\'s page). Without them it is kept aside, and you can still use it.',
    );
    expect(noAnswersNote({ noAnswers: 100, minNoAnswers: 100 })).toBe('');
    expect(noAnswersNote({ noAnswers: 250, minNoAnswers: 100 })).toBe('');
  });
});
