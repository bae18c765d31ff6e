/**
 * Principal component analysis for the optional wide embedder's 512 -> 128 projection:
 * mean-centre the samples, form the covariance, and find its top-k eigenvectors by orthogonal
 * (subspace) iteration with Gram-Schmidt re-orthonormalisation.
 */
export interface PcaResult {
  mean: Float32Array;
  /** [dims x k] row-major: column j is the j-th principal direction. */
  components: Float32Array;
  /** Variance captured by each component, descending. */
  variances: number[];
  /** Share of the total variance captured by the k components. */
  explained: number;
}

export function pca(samples: Float32Array[], k: number, iterations = 200, seed = 7): PcaResult {
  const n = samples.length;
  const d = samples[0]!.length;
  if (n < 2) throw new Error('pca needs at least 2 samples');
  if (k > d) throw new Error('k > dims');
  const mean = new Float64Array(d);
  for (const s of samples) for (let i = 0; i < d; i++) mean[i]! += s[i]!;
  for (let i = 0; i < d; i++) mean[i]! /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (const s of samples) {
    for (let i = 0; i < d; i++) c[i] = s[i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const ci = c[i]!;
      if (ci === 0) continue;
      const row = i * d;
      for (let j = i; j < d; j++) cov[row + j]! += ci * c[j]!;
    }
  }
  let trace = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j]! / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
    trace += cov[i * d + i]!;
  }
  // Q: d x k, column-major in an array of columns.
  let rng = seed;
  const rand = () => {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    return rng / 0x7fffffff - 0.5;
  };
  let Q: Float64Array[] = Array.from({ length: k }, () => Float64Array.from({ length: d }, rand));
  orthonormalise(Q);
  for (let it = 0; it < iterations; it++) {
    Q = Q.map((q) => matVec(cov, q, d));
    orthonormalise(Q);
  }
  const variances = Q.map((q) => dot(q, matVec(cov, q, d)));
  const order = variances.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const components = new Float32Array(d * k);
  order.forEach(([, src], j) => {
    const q = Q[src]!;
    for (let i = 0; i < d; i++) components[i * k + j] = q[i]!;
  });
  const sorted = order.map(([v]) => v);
  return { mean: Float32Array.from(mean), components, variances: sorted, explained: sorted.reduce((a, b) => a + b, 0) / trace };
}

function matVec(m: Float64Array, v: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += m[row + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function orthonormalise(Q: Float64Array[]): void {
  for (let j = 0; j < Q.length; j++) {
    const q = Q[j]!;
    for (let p = 0; p < j; p++) {
      const r = dot(Q[p]!, q);
      const qp = Q[p]!;
      for (let i = 0; i < q.length; i++) q[i]! -= r * qp[i]!;
    }
    const norm = Math.sqrt(dot(q, q)) || 1;
    for (let i = 0; i < q.length; i++) q[i]! /= norm;
  }
}
