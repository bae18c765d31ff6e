import { describe, expect, it } from 'vitest';
import { regionMap, warpAffine, type RgbImage } from '../../app/faces/image';
import { netRegion, regionToInput } from '../../app/faces/detect';

// The detector's and the crops' resamplers have fast paths (no bounds checks where a block or
// a bilinear tap is wholly inside the image). These are the plain loops they replaced, kept here
// as the definition: the fast code must give the same values bit for bit, inside and at edges.

function image(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: width * height * 3 }, () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s & 255;
  });
  return { data, width, height };
}

function warpPlain(img: RgbImage, m: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const { data, width, height } = img;
  const scale = Math.sqrt(Math.abs(m[0]! * m[4]! - m[1]! * m[3]!));
  const k = scale > 1.5 ? Math.min(8, Math.ceil(scale)) : 1;
  const inv = 1 / (k * k);
  const acc = [0, 0, 0];
  for (let v = 0; v < h; v++)
    for (let u = 0; u < w; u++) {
      acc[0] = 0; acc[1] = 0; acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        const vv = v + (sy + 0.5) / k - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const uu = u + (sx + 0.5) / k - 0.5;
          const x = m[0]! * uu + m[1]! * vv + m[2]!;
          const y = m[3]! * uu + m[4]! * vv + m[5]!;
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const fx = x - x0, fy = y - y0;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= height) continue;
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= width) continue;
              const wgt = (dx ? fx : 1 - fx) * wy;
              const p = (yy * width + xx) * 3;
              acc[0] += data[p]! * wgt;
              acc[1] += data[p + 1]! * wgt;
              acc[2] += data[p + 2]! * wgt;
            }
          }
        }
      }
      const o = (v * w + u) * 3;
      out[o] = Math.round(acc[0] * inv);
      out[o + 1] = Math.round(acc[1] * inv);
      out[o + 2] = Math.round(acc[2] * inv);
    }
  return out;
}

function areaPlain(img: RgbImage, r: { x: number; y: number; width: number; height: number }): Float32Array {
  const NET_W = 320, NET_H = 240, plane = NET_W * NET_H;
  const dst = new Float32Array(3 * plane);
  const sx = r.width / NET_W, sy = r.height / NET_H;
  const stepX = Math.max(1, Math.floor(sx)), stepY = Math.max(1, Math.floor(sy));
  const { data, width, height } = img;
  for (let v = 0; v < NET_H; v++)
    for (let u = 0; u < NET_W; u++) {
      const o = v * NET_W + u;
      const cx = r.x + (u + 0.5) * sx, cy = r.y + (v + 0.5) * sy;
      if (cx < 0 || cx >= width || cy < 0 || cy >= height) continue; // grey: 0 after normalising
      const x0 = Math.floor(r.x + u * sx), y0 = Math.floor(r.y + v * sy);
      let a0 = 0, a1 = 0, a2 = 0, n = 0;
      for (let dy = 0; dy < stepY; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y0 + dy));
        for (let dx = 0; dx < stepX; dx++) {
          const xx = Math.min(width - 1, Math.max(0, x0 + dx));
          const p = (yy * width + xx) * 3;
          a0 += data[p]!; a1 += data[p + 1]!; a2 += data[p + 2]!; n++;
        }
      }
      dst[o] = (a0 / n - 127) / 128;
      dst[plane + o] = (a1 / n - 127) / 128;
      dst[2 * plane + o] = (a2 / n - 127) / 128;
    }
  return dst;
}

const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : a.length;
};

describe('resampling fast paths', () => {
  const img = image(701, 517, 7);

  it('warpAffine equals the plain bilinear loop: enlarging, shrinking (supersampled), rotated, and crops over the edge', () => {
    const maps: [string, number[], number][] = [
      ['inside, 1:1', regionMap({ x: 100, y: 80, width: 112, height: 112 }, 112, 112), 112],
      ['inside, shrink 2.7x (3x3 samples)', regionMap({ x: 50.3, y: 20.7, width: 302, height: 302 }, 112, 112), 112],
      ['enlarge 0.4x', regionMap({ x: 300, y: 300, width: 45, height: 45 }, 112, 112), 112],
      ['over the top-left corner', regionMap({ x: -40.5, y: -30.25, width: 200, height: 200 }, 112, 112), 112],
      ['over the bottom-right corner', regionMap({ x: 600, y: 450, width: 160, height: 160 }, 150, 150), 150],
      ['rotated similarity', [Math.cos(0.4) * 1.8, -Math.sin(0.4) * 1.8, 200, Math.sin(0.4) * 1.8, Math.cos(0.4) * 1.8, 100], 150],
    ];
    for (const [name, m, size] of maps) {
      const fast = warpAffine(img, m, size, size);
      const plain = warpPlain(img, m, size, size);
      expect(firstDifference(fast, plain), name).toBe(-1);
    }
  });

  it("the detector's area resampling equals the clamped loop: whole image, tiles inside, tiles at the far edges, grey outside", () => {
    // A 2,003 x 1,501 photo (a 12 MP photo decoded at 1/2) and the regions detect.ts runs on it:
    // the whole image (6x6 blocks), 2x2 tiles (3x3 blocks), 3x3 tiles (2x2 blocks), at the far edges.
    const big = image(2003, 1501, 11);
    const regions = [
      { x: 0, y: 0, width: 2003, height: 1501 },
      { x: 0, y: 0, width: 1144.6, height: 857.7 },
      { x: 858.4, y: 643.3, width: 1144.6, height: 857.7 },
      { x: 1201.8, y: 900.6, width: 801.2, height: 600.4 },
      { x: 0, y: 0, width: 2003, height: 1700 }, // taller than the image: grey rows below it, the last inside clamp
      { x: 1500, y: 0, width: 640, height: 480 }, // wider than what is left: grey columns at the right
      { x: -266.8, y: 0, width: 2536.6, height: 1501 }, // widened about the centre (netRegion): grey at both sides
      { x: -13.7, y: 5.2, width: 700, height: 800 }, // 2x3 blocks, clamped at the left edge
      { x: 1700.4, y: 1200.9, width: 1300, height: 580 }, // 4x2 blocks, clamped at the right and bottom edges
      { x: -600.5, y: -400.25, width: 1920, height: 1440 }, // 6x6 blocks, grey above and to the left
    ];
    for (const r of regions) {
      expect(Math.floor(r.width / 320), 'an area-averaged region').toBeGreaterThan(1);
      const got = new Float32Array(3 * 320 * 240);
      regionToInput(big, r, got);
      expect(firstDifference(got, areaPlain(big, r)), JSON.stringify(r)).toBe(-1);
    }
  });

  it('netRegion widens a region narrower than 4:3 about its centre, and leaves a wider one as it is', () => {
    const r = netRegion({ x: 0, y: 0, width: 92, height: 112 });
    expect([r.x, r.y, r.width, r.height].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([-28.666666667, 0, 149.333333333, 112]);
    expect(netRegion({ x: 10, y: 20, width: 300, height: 300 })).toEqual({ x: -40, y: 20, width: 400, height: 300 });
    for (const r of [{ x: 0, y: 0, width: 4000, height: 3000 }, { x: 5, y: 5, width: 800, height: 533 }]) expect(netRegion(r)).toBe(r);
  });

  it('a widened region puts the photo in the middle of the net input, undistorted, with grey at the sides (bilinear path)', () => {
    // 92 x 112, as att-faces' photos: the net sees 149.3 x 112 at 320 / 149.3 = 2.14 px a pixel both ways.
    const small = image(92, 112, 3);
    const got = new Float32Array(3 * 320 * 240);
    regionToInput(small, netRegion({ x: 0, y: 0, width: 92, height: 112 }), got);
    const s = 320 / 149.33333333333331;
    const at = (u: number, v: number) => got[v * 320 + u]!;
    // Columns whose centre is left of the photo (x < 0) or right of it are grey; the ones in between are not.
    const firstInside = Math.ceil(28.666666666666664 * s - 0.5), lastInside = Math.ceil((28.666666666666664 + 92) * s - 0.5) - 1;
    for (const v of [0, 120, 239]) {
      expect(at(firstInside - 1, v)).toBe(0);
      expect(at(lastInside + 1, v)).toBe(0);
    }
    // ... and the first and last columns inside carry the photo (not grey all the way down).
    for (const u of [firstInside, lastInside]) expect(Array.from({ length: 240 }, (_, v) => at(u, v)).some((x) => x !== 0)).toBe(true);
    // The middle column samples the photo's middle column, unstretched.
    const u = 160, v = 120;
    const x = -28.666666666666664 + (u + 0.5) / s - 0.5, y = (v + 0.5) / s - 0.5;
    const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
    const px = (xx: number, yy: number) => small.data[(yy * 92 + xx) * 3]!;
    const want = ((px(x0, y0) * (1 - fx) + px(x0 + 1, y0) * fx) * (1 - fy) + (px(x0, y0 + 1) * (1 - fx) + px(x0 + 1, y0 + 1) * fx) * fy - 127) / 128;
    expect(at(u, v)).toBeCloseTo(want, 6);
  });
});
