/** The renderer's stateful logic, without a DOM: selection, the virtual grid window, sorting, routes. */
import { describe, expect, it } from 'vitest';
import { Selection } from '../../renderer/src/lib/selection';
import { gridWindow } from '../../renderer/src/lib/virtual';
import { peopleToHide } from '../../renderer/src/lib/people';
import { ageText, monthsBetween } from '../../renderer/src/lib/age';
import type { PersonSummary } from '../../app/contract/contract';

describe('selection', () => {
  const keys = [10, 11, 12, 13, 14, 15, 16, 17];

  it('click selects one, Ctrl/Cmd+click toggles, Shift+click selects a range from the anchor', () => {
    const s = new Selection(keys);
    s.click(2);
    expect(s.values()).toEqual([12]);
    s.click(5, { shift: true });
    expect(s.values()).toEqual([12, 13, 14, 15]);
    s.click(3, { shift: true });
    expect(s.values()).toEqual([12, 13]);
    s.click(7, { toggle: true });
    expect(s.values()).toEqual([12, 13, 17]);
    s.click(12 - 10, { toggle: true });
    expect(s.values()).toEqual([13, 17]);
    // Ctrl+Shift+click adds a range to what is selected.
    s.click(0, { toggle: true });
    s.click(1, { toggle: true, shift: true });
    expect(s.values()).toEqual([10, 11, 13, 17]);
    s.click(6);
    expect(s.values()).toEqual([16]);
  });

  it('keyboard: arrows move the focus, Shift extends, Space toggles, Ctrl+A all, Escape clears', () => {
    const s = new Selection(keys);
    const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => s.key({ key: k, ...mods }, 4);
    expect(key('ArrowRight')).toBe(true);
    expect(s.focus).toBe(0);
    expect(s.size).toBe(0);
    key(' ');
    expect(s.values()).toEqual([10]);
    key('ArrowDown');
    expect(s.focus).toBe(4);
    key(' ');
    expect(s.values()).toEqual([10, 14]);
    key('ArrowRight', { shiftKey: true });
    key('ArrowRight', { shiftKey: true });
    expect(s.values()).toEqual([14, 15, 16]);
    key('ArrowUp', { shiftKey: true });
    expect(s.values()).toEqual([12, 13, 14]);
    key('a', { ctrlKey: true });
    expect(s.size).toBe(keys.length);
    key('a', { metaKey: true });
    expect(s.size).toBe(keys.length);
    expect(key('a')).toBe(false);
    expect(key('Escape')).toBe(true);
    expect(s.size).toBe(0);
    expect(key('Escape')).toBe(false);
    key('End');
    expect(s.focus).toBe(7);
    key('Home', { shiftKey: true });
    expect(s.size).toBe(keys.length);
    key('ArrowLeft');
    expect(s.focus).toBe(0);
  });

  it('keeps the selection of items still present when the list changes', () => {
    const s = new Selection(keys);
    s.click(1);
    s.click(3, { shift: true });
    s.setKeys([11, 13, 20]);
    expect(s.values()).toEqual([11, 13]);
    s.setKeys([]);
    expect(s.size).toBe(0);
    expect(s.focus).toBeNull();
  });
});

describe('virtual grid window', () => {
  it('renders a screenful plus overscan out of thousands of items', () => {
    const w = gridWindow({ count: 10_000, width: 1000, viewport: 600, scrollTop: 0, minItemWidth: 160, rowHeight: 200, gap: 16, overscan: 2 });
    expect(w.columns).toBe(5);
    expect(w.rows).toBe(2000);
    expect(w.totalHeight).toBe(400_000);
    expect(w.start).toBe(0);
    expect(w.end).toBe(5 * 5);
    const far = gridWindow({ count: 10_000, width: 1000, viewport: 600, scrollTop: 200_000, minItemWidth: 160, rowHeight: 200, gap: 16, overscan: 2 });
    expect(far.firstRow).toBe(998);
    expect(far.start).toBe(998 * 5);
    expect(far.end - far.start).toBeLessThanOrEqual(8 * 5);
    expect(far.offsetTop).toBe(998 * 200);
  });

  it('handles the edges: empty, narrower than one item, scrolled past the end', () => {
    expect(gridWindow({ count: 0, width: 800, viewport: 600, scrollTop: 0, minItemWidth: 160, rowHeight: 200 })).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
    expect(gridWindow({ count: 3, width: 50, viewport: 600, scrollTop: 0, minItemWidth: 160, rowHeight: 200 })).toMatchObject({ columns: 1, start: 0, end: 3 });
    const end = gridWindow({ count: 50, width: 800, viewport: 600, scrollTop: 1e9, minItemWidth: 160, rowHeight: 200 });
    expect(end.end).toBe(50);
    expect(end.start).toBeLessThan(50);
  });
});

describe('people to hide', () => {
  const p = (id: number, name: string | null, photoCount: number, more: Partial<PersonSummary> = {}): PersonSummary => ({
    id, name, hidden: false, faceCount: photoCount, photoCount, coverFaceId: null, userTouched: !!name, birthDate: null, latestPhotoDate: null, ...more,
  });
  it('picks the unnamed, not hidden people with at most N photos', () => {
    const list = [p(1, 'Ann', 1), p(2, null, 1), p(3, null, 5), p(4, null, 1, { hidden: true }), p(5, 'Bob', 2, { hidden: true })];
    expect(peopleToHide(list, 1).map((x) => x.id)).toEqual([2]);
    expect(peopleToHide(list, 5).map((x) => x.id)).toEqual([2, 3]);
  });
});

describe('age at a photo', () => {
  it('counts whole months and years, and says nothing before the birth', () => {
    expect(monthsBetween('2020-03-15', '2020-04-14')).toBe(0);
    expect(monthsBetween('2020-03-15', '2020-04-15')).toBe(1);
    expect(ageText('2020-03-15', '2023-03-15')).toBe('3 years old');
    expect(ageText('2020-03-15', '2023-03-14')).toBe('2 years old');
    expect(ageText('2020-03-15', '2021-09-30')).toBe('1 year old');
    expect(ageText('2020-03-15', '2020-11-20')).toBe('8 months old');
    expect(ageText('2020-03-15', '2020-04-15')).toBe('1 month old');
    expect(ageText('2020-03-15', '2020-03-31')).toBe('2 weeks old');
    expect(ageText('2020-03-15', '2020-03-23')).toBe('1 week old');
    expect(ageText('2020-03-15', '2020-03-17')).toBe('2 days old');
    expect(ageText('2020-03-15', '2020-03-15')).toBe('newborn');
    // a leap day: a year old on 1 March, in a year without 29 February
    expect(ageText('2020-02-29', '2021-03-01')).toBe('1 year old');
    expect(ageText('2020-03-15', '2020-03-14')).toBeNull();
    expect(ageText(null, '2020-03-14')).toBeNull();
    expect(ageText('2020-03-15', null)).toBeNull();
  });
});
