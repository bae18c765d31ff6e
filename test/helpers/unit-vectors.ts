/** Seeded random unit vectors in the embedding's 128 dimensions, for clustering tests. */
import { rng } from '../../app/people/synthetic';
import { DIM } from '../../app/people/vector';

export interface UnitVectors {
  /** A standard normal draw (Box-Muller). */
  gauss: () => number;
  unit: (x: Float64Array) => Float64Array;
  /** A uniformly random unit vector. */
  random: () => Float64Array;
  /** The unit vector at cosine `cos` from `a`, towards `b` (b orthogonal to a, or nearly). */
  mix: (a: Float64Array, b: Float64Array, cos: number) => Float64Array;
  /** A unit vector at exactly cosine `cos` from `centre` (a random direction orthogonal to it). */
  toward: (centre: Float64Array, cos: number) => Float64Array;
}

export function unitVectors(seed: number): UnitVectors {
  const r = rng(seed);
  const gauss = () => {
    let u = 0;
    while (u === 0) u = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const unit = (x: Float64Array) => {
    const n = Math.hypot(...x);
    return x.map((v) => v / n);
  };
  const random = () => unit(Float64Array.from({ length: DIM }, gauss));
  const mix = (a: Float64Array, b: Float64Array, cos: number) => unit(a.map((v, i) => cos * v + Math.sqrt(1 - cos * cos) * b[i]!));
  const toward = (centre: Float64Array, cos: number) => {
    const r = random();
    const dot = r.reduce((acc, x, i) => acc + x * centre[i]!, 0);
    return mix(centre, unit(r.map((x, i) => x - dot * centre[i]!)), cos);
  };
  return { gauss, unit, random, mix, toward };
}
