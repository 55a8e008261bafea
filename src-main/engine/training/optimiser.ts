/**
 * AdamW (Loshchilov & Hutter): Adam moments with weight decay applied to the weights directly,
 * not through the gradient. State is plain Float32Arrays so a run can checkpoint and resume it.
 */
export interface AdamWOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export function adamWState(params: readonly Float32Array[]): AdamWState {
  return { step: 0, m: params.map((p) => new Float32Array(p.length)), v: params.map((p) => new Float32Array(p.length)) };
}

/** One update of every parameter from its gradient; `learningRate` may differ per step (schedules). */
export function adamWStep(params: readonly Float32Array[], grads: readonly Float32Array[], state: AdamWState, o: AdamWOptions): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.epsilon ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  const lr = o.learningRate;
  state.step++;
  const c1 = 1 - Math.pow(b1, state.step);
  const c2 = 1 - Math.pow(b2, state.step);
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const m = state.m[k];
    const v = state.v[k];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] -= lr * ((m[i] / c1) / (Math.sqrt(v[i] / c2) + eps) + wd * p[i]);
    }
  }
}
