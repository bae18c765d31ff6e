/**
 * Optimisers over one flat parameter vector: Adam (Kingma & Ba) and SGD with momentum.
 * Weight decay pulls the parameters towards a reference (the head training started from), not
 * towards zero ("L2-SP"): with few labels the head stays near the map that is known to work.
 */
export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerOptions {
  kind: OptimizerKind;
  lr: number;
  /** Adam: beta1, beta2, epsilon. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** SGD: momentum. */
  momentum?: number;
  /** Strength of the pull towards `reference` (gradient += decay * (p - reference)). */
  decay?: number;
}

export class Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    readonly params: Float64Array,
    readonly opts: OptimizerOptions,
    private readonly reference: Float64Array | null = null,
  ) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(opts.kind === 'adam' ? params.length : 0);
  }

  /** One step with gradient g (g is not modified). */
  step(g: Float64Array, lr = this.opts.lr): void {
    const p = this.params, m = this.m, v = this.v;
    const decay = this.opts.decay ?? 0;
    const ref = this.reference;
    this.t++;
    if (this.opts.kind === 'adam') {
      const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.eps ?? 1e-8;
      const c1 = 1 / (1 - Math.pow(b1, this.t)), c2 = 1 / (1 - Math.pow(b2, this.t));
      for (let i = 0; i < p.length; i++) {
        let gi = g[i]!;
        if (decay > 0) gi += decay * (p[i]! - (ref ? ref[i]! : 0));
        const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
        p[i]! -= (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
      }
    } else {
      const mu = this.opts.momentum ?? 0.9;
      for (let i = 0; i < p.length; i++) {
        let gi = g[i]!;
        if (decay > 0) gi += decay * (p[i]! - (ref ? ref[i]! : 0));
        const mi = (m[i] = mu * m[i]! + gi);
        p[i]! -= lr * mi;
      }
    }
  }
}
