// @vitest-environment jsdom
/**
 * Component tests of the stateful widgets (virtual grid, face selection, undo toast) in jsdom.
 * The components are compiled by the renderer's own Vite + Svelte plugin into one browser bundle
 * (a child process, so the build runs in plain Node), then mounted here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaceInfo } from '../../app/contract/contract';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPONENTS = ['VirtualGrid', 'FaceSelectGrid', 'UndoToast', 'TrainingChart'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ui: any;

beforeAll(() => {
  // Entry and bundle live in the (ignored) test-results folder: 'svelte' resolves from the repo
  // and the test runner may import from there.
  const entryDir = path.join(ROOT, 'test-results', 'ui-components');
  fs.mkdirSync(entryDir, { recursive: true });
  const out = path.join(entryDir, `bundle-${process.pid}`);
  const entryFile = path.join(entryDir, `entry-${process.pid}.js`);
  const entry = [
    "export { mount, unmount, flushSync, createRawSnippet } from 'svelte';",
    "export { Toasts } from '/renderer/src/lib/toasts.svelte.ts';",
    ...COMPONENTS.map((c) => `export { default as ${c} } from '/renderer/src/components/${c}.svelte';`),
  ].join('\n');
  fs.writeFileSync(entryFile, entry);
  const script = `
    import { build } from 'vite';
    import { svelte } from '@sveltejs/vite-plugin-svelte';
    await build({
      configFile: false, root: ${JSON.stringify(ROOT)}, logLevel: 'error',
      plugins: [svelte({ configFile: false })],
      build: { lib: { entry: ${JSON.stringify(entryFile)}, formats: ['es'], fileName: () => 'ui.js' }, outDir: ${JSON.stringify(out)}, emptyOutDir: true, minify: false, write: true },
    });`;
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    fs.rmSync(entryFile, { force: true });
  }
  return import(/* @vite-ignore */ path.join(out, 'ui.js')).then((m) => {
    ui = m;
  });
}, 120_000);

// jsdom has no layout: give the scrolling containers a size.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get() { return this.classList?.contains('vgrid') || this.classList?.contains('faces') ? 1000 : 0; } });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get() { return this.classList?.contains('vgrid') || this.classList?.contains('faces') ? 600 : 0; } });
  HTMLElement.prototype.scrollIntoView = function () {};
});

afterAll(() => {
  fs.rmSync(path.join(ROOT, 'test-results', 'ui-components', `bundle-${process.pid}`), { recursive: true, force: true });
});

let mounted: unknown[] = [];
afterEach(() => {
  for (const m of mounted) ui.unmount(m);
  mounted = [];
  document.body.innerHTML = '';
  vi.useRealTimers();
});

function mount(Component: unknown, props: Record<string, unknown>) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  const m = ui.mount(Component, { target, props });
  mounted.push(m);
  ui.flushSync();
  return target;
}

describe('VirtualGrid', () => {
  const items = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, name: `Person ${i + 1}` }));
  const snippet = () => ui.createRawSnippet((it: () => { name: string }) => ({ render: () => `<span class="it">${it().name}</span>` }));

  it('keeps only the visible rows (plus overscan) of thousands of items in the DOM', () => {
    const el = mount(ui.VirtualGrid, { items, key: (p: { id: number }) => p.id, item: snippet(), minItemWidth: 184, rowHeight: 200, gap: 16, overscan: 1 });
    const cells = el.querySelectorAll('.cell');
    // 1000 px wide -> 5 columns; 600 px high -> 3 visible rows + 1 overscan below.
    expect(cells.length).toBe(20);
    expect(cells[0]!.textContent).toBe('Person 1');
    const spacer = el.querySelector<HTMLElement>('.spacer')!;
    expect(spacer.style.height).toBe(`${1000 * 200}px`);
  });

  it('renders the rows under the scroll position', () => {
    const el = mount(ui.VirtualGrid, { items, key: (p: { id: number }) => p.id, item: snippet(), minItemWidth: 184, rowHeight: 200, gap: 16, overscan: 1 });
    const scroller = el.querySelector<HTMLElement>('.vgrid')!;
    scroller.scrollTop = 200 * 500;
    scroller.dispatchEvent(new Event('scroll'));
    ui.flushSync();
    const names = [...el.querySelectorAll('.cell')].map((c) => c.textContent);
    expect(names[0]).toBe(`Person ${499 * 5 + 1}`);
    expect(names.length).toBeLessThanOrEqual(25);
    expect(names).toContain('Person 2501');
    expect(el.querySelector<HTMLElement>('.rows')!.style.transform).toBe(`translateY(${499 * 200}px)`);
  });
});

describe('FaceSelectGrid', () => {
  const faces: FaceInfo[] = Array.from({ length: 12 }, (_, i) => ({
    id: 100 + i,
    photoId: 1,
    photoPath: '/p.jpg',
    box: { x: 0, y: 0, width: 10, height: 10 },
    photoWidth: 100,
    photoHeight: 100,
    score: 1,
    quality: 1,
    personId: 1,
    personName: 'Anna',
    source: 'machine',
    confirmed: false,
    personBirthDate: null,
    manual: false,
  }));
  const selectedIds = (el: HTMLElement) => [...el.querySelectorAll('[role=option][aria-selected=true]')].map((o) => Number((o as HTMLElement).dataset.faceId));
  const click = (el: HTMLElement, i: number, init: MouseEventInit = {}) => {
    el.querySelectorAll<HTMLElement>('[role=option]')[i]!.dispatchEvent(new MouseEvent('click', { bubbles: true, ...init }));
    ui.flushSync();
  };
  const key = (el: HTMLElement, k: string, init: KeyboardEventInit = {}) => {
    el.querySelector<HTMLElement>('[role=listbox]')!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }));
    ui.flushSync();
  };

  it('selects with click, Shift+click ranges and Ctrl/Cmd+click toggles', () => {
    const el = mount(ui.FaceSelectGrid, { faces, size: 112 });
    click(el, 2);
    expect(selectedIds(el)).toEqual([102]);
    click(el, 6, { shiftKey: true });
    expect(selectedIds(el)).toEqual([102, 103, 104, 105, 106]);
    click(el, 4, { ctrlKey: true });
    expect(selectedIds(el)).toEqual([102, 103, 105, 106]);
    click(el, 9, { metaKey: true });
    expect(selectedIds(el)).toEqual([102, 103, 105, 106, 109]);
    expect(el.querySelectorAll('.check').length).toBe(5);
  });

  it('is usable by keyboard and opens a face with "o"', () => {
    const opened: number[] = [];
    const el = mount(ui.FaceSelectGrid, { faces, size: 112, onopen: (f: FaceInfo) => opened.push(f.id) });
    key(el, 'ArrowRight');
    key(el, ' ');
    expect(selectedIds(el)).toEqual([100]);
    // 1000 px wide, 112 px tiles + 10 px gap -> 8 columns: ArrowDown jumps a row.
    key(el, 'ArrowDown', { shiftKey: true });
    expect(selectedIds(el)).toEqual(Array.from({ length: 9 }, (_, i) => 100 + i));
    expect(el.querySelector('[role=listbox]')!.getAttribute('aria-activedescendant')).toBe('face-108');
    key(el, 'a', { ctrlKey: true });
    expect(selectedIds(el).length).toBe(12);
    key(el, 'Escape');
    expect(selectedIds(el)).toEqual([]);
    key(el, 'o');
    expect(opened).toEqual([108]);
  });
});

describe('FaceSelectGrid, virtualised over ids', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);
  const selectedIds = (el: HTMLElement) => [...el.querySelectorAll('[role=option][aria-selected=true]')].map((o) => Number((o as HTMLElement).dataset.faceId));

  it('keeps a bounded number of tiles in the DOM at the full height, reports its window, and selects faces never rendered', () => {
    const windows: [number, number][] = [];
    let selected: number[] = [];
    const props = { ids, size: 112, overscan: 1, onwindow: (s: number, e: number) => windows.push([s, e]), get selected() { return selected; }, set selected(v: number[]) { selected = v; } };
    const el = mount(ui.FaceSelectGrid, props);
    const grid = el.querySelector<HTMLElement>('[role=listbox]')!;
    // 1000 px wide (992 inside the padding) -> 8 columns; 600 px high -> 5 rows in view + 1 overscan.
    const tiles = () => el.querySelectorAll('[role=option]');
    expect(tiles().length).toBe(48);
    expect(el.querySelector<HTMLElement>('.spacer')!.style.height).toBe(`${2500 * 122}px`);
    expect(windows.at(-1)).toEqual([0, 48]);
    grid.scrollTop = 122 * 2000;
    grid.dispatchEvent(new Event('scroll'));
    ui.flushSync();
    expect(tiles().length).toBeLessThanOrEqual(64);
    expect([...tiles()].map((t) => Number((t as HTMLElement).dataset.faceId))).toContain(16_001);
    expect(windows.at(-1)![0]).toBeGreaterThan(15_000);
    // Shift+click from a rendered face back to the first (no longer in the DOM): the whole range.
    const first = tiles()[0] as HTMLElement;
    const firstIndex = Number(first.dataset.index);
    first.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    ui.flushSync();
    grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', shiftKey: true, bubbles: true, cancelable: true }));
    ui.flushSync();
    expect(grid.scrollTop).toBe(0);
    expect(selectedIds(el)).toEqual(ids.slice(0, 48));
    expect(selected).toEqual(ids.slice(0, firstIndex + 1));
    expect(el.querySelector('[role=listbox]')!.getAttribute('aria-activedescendant')).toBe('face-1');
    grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', ctrlKey: true, bubbles: true, cancelable: true }));
    ui.flushSync();
    expect(selected).toHaveLength(20_000);
    grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true, cancelable: true }));
    ui.flushSync();
    expect(grid.scrollTop).toBeGreaterThan(122 * 2490);
    expect(el.querySelector('[data-face-id="20000"]')).not.toBeNull();
  });
});

describe('UndoToast', () => {
  it('shows the last correction with Undo, runs it once and goes away', async () => {
    const toasts = new ui.Toasts();
    const el = mount(ui.UndoToast, { toasts });
    const undo = vi.fn();
    toasts.show('Renamed to “Anna”', { action: { label: 'Undo', run: undo } });
    ui.flushSync();
    expect(el.querySelector('[data-testid=toast]')!.textContent).toContain('Renamed to “Anna”');
    const btn = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Undo')!;
    btn.click();
    await Promise.resolve();
    ui.flushSync();
    expect(undo).toHaveBeenCalledTimes(1);
    expect(el.querySelector('[data-testid=toast]')).toBeNull();
  });

  it('leaves after its timeout unless hovered, and a new toast replaces the old one', () => {
    vi.useFakeTimers();
    const toasts = new ui.Toasts();
    const el = mount(ui.UndoToast, { toasts });
    toasts.show('First', { timeout: 5000 });
    toasts.show('Second', { timeout: 5000 });
    ui.flushSync();
    expect([...el.querySelectorAll('[data-testid=toast]')].map((t) => t.querySelector('.msg')!.textContent)).toEqual(['Second']);
    const t = el.querySelector<HTMLElement>('[data-testid=toast]')!;
    t.dispatchEvent(new MouseEvent('mouseenter'));
    vi.advanceTimersByTime(10_000);
    ui.flushSync();
    expect(el.querySelector('[data-testid=toast]')).not.toBeNull();
    t.dispatchEvent(new MouseEvent('mouseleave'));
    vi.advanceTimersByTime(4999);
    ui.flushSync();
    expect(el.querySelector('[data-testid=toast]')).not.toBeNull();
    vi.advanceTimersByTime(2);
    ui.flushSync();
    expect(el.querySelector('[data-testid=toast]')).toBeNull();
  });

  it('announces politely to screen readers and can be dismissed', () => {
    const toasts = new ui.Toasts();
    const el = mount(ui.UndoToast, { toasts });
    toasts.error('Could not rename');
    ui.flushSync();
    expect(el.querySelector('[role=status]')!.getAttribute('aria-live')).toBe('polite');
    expect(el.querySelector('.toast.error')).not.toBeNull();
    el.querySelector<HTMLButtonElement>('[aria-label=Dismiss]')!.click();
    ui.flushSync();
    expect(el.querySelector('[data-testid=toast]')).toBeNull();
  });
});

describe('TrainingChart', () => {
  const progress = [1, 2, 3].map((epoch) => ({ epoch, epochs: 10, loss: 0.4 / epoch, val: { accuracy: 0.6 + epoch * 0.05, wrong: 0.1, unassigned: 0.1 } }));

  it('draws the loss and the held-out accuracy per epoch as SVG, with the latest values in the legend', () => {
    const el = mount(ui.TrainingChart, { progress });
    const svg = el.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toMatch(/loss and held-out accuracy/);
    expect(el.querySelector('polyline.loss')!.getAttribute('points')!.split(' ')).toHaveLength(3);
    expect(el.querySelector('polyline.val')!.getAttribute('points')!.split(' ')).toHaveLength(3);
    expect(el.querySelectorAll('circle')).toHaveLength(2);
    const caption = el.querySelector('figcaption')!.textContent!.replace(/\s+/g, ' ');
    expect(caption).toContain('Training loss: 0.133');
    expect(caption).toContain('Held-out accuracy: 75.0%');
    // No inline style attributes (the CSP forbids them).
    expect(el.querySelector('[style]')).toBeNull();
  });

  it('waits for the first epoch without drawing lines', () => {
    const el = mount(ui.TrainingChart, { progress: [] });
    expect(el.querySelector('polyline')).toBeNull();
    expect(el.textContent).toContain('Waiting for the first epoch');
  });
});
