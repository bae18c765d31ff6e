/**
 * mapDrawnBox (app/library/drawn-face.ts): a face drawn on a photo's earlier version, put on its
 * edited version by a re-scan: scaled by the new/old size, refused when the aspect changed, and
 * clamped to the photo where it reaches past an edge.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ASPECT_CHANGE, mapDrawnBox } from '../../app/library/drawn-face';

describe('a drawn box mapped onto the edited photo', () => {
  it('is scaled by the new/old size on each axis', () => {
    expect(mapDrawnBox({ x: 10, y: 20, width: 30, height: 40 }, { width: 1000, height: 800 }, { width: 500, height: 400 })).toEqual({ x: 5, y: 10, width: 15, height: 20 });
    expect(mapDrawnBox({ x: 100, y: 50, width: 60, height: 80 }, { width: 1000, height: 800 }, { width: 2000, height: 1600 })).toEqual({ x: 200, y: 100, width: 120, height: 160 });
  });

  it('is not mapped when the aspect ratio changed by more than MAX_ASPECT_CHANGE (a crop, a turn), and is within it', () => {
    const box = { x: 10, y: 20, width: 30, height: 40 };
    expect(MAX_ASPECT_CHANGE).toBe(0.01);
    expect(mapDrawnBox(box, { width: 1000, height: 800 }, { width: 900, height: 800 })).toBeNull();
    expect(mapDrawnBox(box, { width: 1000, height: 800 }, { width: 800, height: 1000 })).toBeNull();
    // 1000x800 -> 506x400: 1.2 % wider, refused; 504x400: 0.8 %, mapped (x by 0.504, y by 0.5).
    expect(mapDrawnBox(box, { width: 1000, height: 800 }, { width: 506, height: 400 })).toBeNull();
    expect(mapDrawnBox(box, { width: 1000, height: 800 }, { width: 504, height: 400 })).toEqual({ x: 5, y: 10, width: 15.2, height: 20 });
  });

  it('is clamped to the photo where it reaches past an edge, and not mapped when nothing of it is inside', () => {
    // Reaching 0.4 px past the right and bottom edges (a box rounded on an earlier version).
    expect(mapDrawnBox({ x: 990, y: 790, width: 10.4, height: 10.4 }, { width: 1000, height: 800 }, { width: 500, height: 400 })).toEqual({ x: 495, y: 395, width: 5, height: 5 });
    expect(mapDrawnBox({ x: -4, y: -2, width: 24, height: 22 }, { width: 1000, height: 800 }, { width: 500, height: 400 })).toEqual({ x: 0, y: 0, width: 10, height: 10 });
    expect(mapDrawnBox({ x: 1001, y: 10, width: 20, height: 20 }, { width: 1000, height: 800 }, { width: 500, height: 400 })).toBeNull();
  });

  it('lands inside the new photo, within a pixel of the exact scaling, for boxes anywhere in photos of any size', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const from = { width: 100 + Math.floor(rnd() * 6000), height: 100 + Math.floor(rnd() * 6000) };
      const s = 0.05 + rnd() * 3;
      const to = { width: Math.max(1, Math.round(from.width * s)), height: Math.max(1, Math.round(from.height * s)) };
      const x = rnd() * (from.width - 2);
      const y = rnd() * (from.height - 2);
      const box = { x, y, width: 1 + rnd() * (from.width - x - 1), height: 1 + rnd() * (from.height - y - 1) };
      const m = mapDrawnBox(box, from, to);
      const sx = to.width / from.width;
      const sy = to.height / from.height;
      if (Math.abs(sx / sy - 1) > MAX_ASPECT_CHANGE) {
        expect(m).toBeNull();
        continue;
      }
      if (m === null) {
        // Only a box scaled under a tenth of a pixel has nothing left.
        expect(Math.min(box.width * sx, box.height * sy)).toBeLessThan(0.2);
        continue;
      }
      expect(m.x).toBeGreaterThanOrEqual(0);
      expect(m.y).toBeGreaterThanOrEqual(0);
      expect(m.x + m.width).toBeLessThanOrEqual(to.width);
      expect(m.y + m.height).toBeLessThanOrEqual(to.height);
      expect(Math.abs(m.x - box.x * sx)).toBeLessThan(0.11);
      expect(Math.abs(m.x + m.width - (box.x + box.width) * sx)).toBeLessThan(0.2);
      expect(Math.abs(m.y + m.height - (box.y + box.height) * sy)).toBeLessThan(0.2);
    }
  });
});
