import { EngineError } from '../errors.ts';
import { headForward, type Head } from '../model-version/heads.ts';
import { matmulABt, transpose } from '../model-version/matrix.ts';

/**
 * The training objective and its gradient, by hand (no autograd exists here):
 *
 *   q_i = normalise(head_imitation(x_i)),  p_j = normalise(head_reference(y_j)),  s_ij = q_i . p_j / T
 *   loss = mean_i [ log sum_{j in A(i)} exp(s_ij) - s_ii ]
 *        + (lambda / 2) sum_towers ( ||U V - U0 V0||^2 + ||b - b0||^2 )
 *
 * One-directional InfoNCE, imitation -> reference, over the batch. A(i) is every reference in the
 * batch except other copies of the query's own reference sound (Greif et al. mask them: they are
 * not negatives), and always i itself. The second term pulls the heads toward the base version,
 * so that a few personal pairs cannot drag the model far from what worked before.
 */

export interface LossOptions {
  temperature: number;
  maskSameReference: boolean;
  /** lambda of the pull toward `base` (0 = none). */
  regularisation: number;
}

export interface HeadPair {
  imitation: Head;
  reference: Head;
}

export interface HeadGradients {
  u: Float32Array;
  v: Float32Array;
  bias: Float32Array;
}

export function zeroGradients(h: Head): HeadGradients {
  return { u: new Float32Array(h.u.length), v: new Float32Array(h.v.length), bias: new Float32Array(h.bias.length) };
}

/** Rows of a batch: features of each pair's imitation and reference, and which reference sound each pair is. */
export interface Batch {
  size: number;
  imitations: Float32Array;
  references: Float32Array;
  /** Reference-sound identity per row: equal numbers = the same sound. */
  groups: Int32Array;
}

interface TowerScratch {
  y: Float32Array;
  z: Float32Array;
  norms: Float32Array;
  dOut: Float32Array;
  dY: Float32Array;
  dYt: Float32Array;
  zt: Float32Array;
  ut: Float32Array;
  dZ: Float32Array;
  dZt: Float32Array;
  xt: Float32Array;
}

/** Buffers for one batch size, reused across steps so training allocates nothing per step. */
export class LossScratch {
  readonly batch: number;
  readonly dimension: number;
  readonly rank: number;
  readonly q: TowerScratch;
  readonly p: TowerScratch;
  readonly s: Float32Array;
  readonly g: Float32Array;
  readonly gt: Float32Array;
  readonly qt: Float32Array;
  readonly pt: Float32Array;

  constructor(batch: number, dimension: number, rank: number) {
    this.batch = batch;
    this.dimension = dimension;
    this.rank = rank;
    const tower = (): TowerScratch => ({
      y: new Float32Array(batch * dimension),
      z: new Float32Array(batch * rank),
      norms: new Float32Array(batch),
      dOut: new Float32Array(batch * dimension),
      dY: new Float32Array(batch * dimension),
      dYt: new Float32Array(batch * dimension),
      zt: new Float32Array(batch * rank),
      ut: new Float32Array(rank * dimension),
      dZ: new Float32Array(batch * rank),
      dZt: new Float32Array(batch * rank),
      xt: new Float32Array(batch * dimension),
    });
    this.q = tower();
    this.p = tower();
    this.s = new Float32Array(batch * batch);
    this.g = new Float32Array(batch * batch);
    this.gt = new Float32Array(batch * batch);
    this.qt = new Float32Array(batch * dimension);
    this.pt = new Float32Array(batch * dimension);
  }
}

function forwardTower(head: Head, x: Float32Array, n: number, t: TowerScratch): void {
  const d = head.dimension;
  headForward(head, x, n, t.y, t.z);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let k = 0; k < d; k++) s += t.y[o + k] * t.y[o + k];
    const norm = Math.sqrt(s) || 1;
    t.norms[i] = norm;
    for (let k = 0; k < d; k++) t.y[o + k] /= norm;
  }
}

/** Back through normalisation and the head; t.dOut holds dLoss/d(normalised output). Accumulates into g. */
function backwardTower(head: Head, x: Float32Array, n: number, t: TowerScratch, g: HeadGradients): void {
  const { dimension: d, rank: r } = head;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let proj = 0;
    for (let k = 0; k < d; k++) proj += t.y[o + k] * t.dOut[o + k];
    const inv = 1 / t.norms[i];
    for (let k = 0; k < d; k++) {
      const dy = (t.dOut[o + k] - t.y[o + k] * proj) * inv;
      t.dY[o + k] = dy;
      g.bias[k] += dy;
    }
  }
  if (r === 0) return;
  transpose(t.dY, n, d, t.dYt);
  transpose(t.z, n, r, t.zt);
  const du = new Float32Array(d * r);
  matmulABt(t.dYt, t.zt, du, d, r, n);
  for (let i = 0; i < du.length; i++) g.u[i] += du[i];
  transpose(head.u, d, r, t.ut);
  matmulABt(t.dY, t.ut, t.dZ, n, r, d);
  transpose(t.dZ, n, r, t.dZt);
  transpose(x, n, d, t.xt);
  const dv = new Float32Array(r * d);
  matmulABt(t.dZt, t.xt, dv, r, d, n);
  for (let i = 0; i < dv.length; i++) g.v[i] += dv[i];
}

/**
 * Adds the gradient of (lambda / 2)(||U V - U0 V0||^2 + ||b - b0||^2) to `g` and returns its value.
 * Everything goes through R x R Gram matrices: O(D R^2), never a D x D product.
 */
export function regularise(head: Head, base: Head, lambda: number, g: HeadGradients): number {
  if (lambda === 0) return 0;
  const { dimension: d, rank: r } = head;
  const r0 = base.rank;
  if (base.dimension !== d) throw new EngineError('internal', 'the base head has a different dimension');
  let value = 0;
  for (let k = 0; k < d; k++) {
    const diff = head.bias[k] - base.bias[k];
    value += diff * diff;
    g.bias[k] += lambda * diff;
  }
  if (r > 0) {
    const ut = transpose(head.u, d, r);
    const vt = transpose(head.v, r, d);
    const vvt = new Float32Array(r * r);
    matmulABt(head.v, head.v, vvt, r, r, d);
    const utu = new Float32Array(r * r);
    matmulABt(ut, ut, utu, r, r, d);
    value += traceProduct(utu, vvt, r, r);
    // dU += lambda (U (V V^T) - U0 (V0 V^T)),  dV += lambda ((U^T U) V - (U^T U0) V0)
    const a = new Float32Array(d * r);
    matmulABt(head.u, vvt, a, d, r, r);
    const b = new Float32Array(r * d);
    matmulABt(utu, vt, b, r, d, r);
    if (r0 > 0) {
      const v0vt = new Float32Array(r0 * r);
      matmulABt(base.v, head.v, v0vt, r0, r, d);
      const u0t = transpose(base.u, d, r0);
      const utu0 = new Float32Array(r * r0);
      matmulABt(ut, u0t, utu0, r, r0, d);
      value -= 2 * traceProduct(utu0, v0vt, r, r0);
      const c = new Float32Array(d * r);
      matmulABt(base.u, transpose(v0vt, r0, r), c, d, r, r0);
      const e = new Float32Array(r * d);
      matmulABt(utu0, transpose(base.v, r0, d), e, r, d, r0);
      for (let i = 0; i < a.length; i++) a[i] -= c[i];
      for (let i = 0; i < b.length; i++) b[i] -= e[i];
    }
    for (let i = 0; i < a.length; i++) g.u[i] += lambda * a[i];
    for (let i = 0; i < b.length; i++) g.v[i] += lambda * b[i];
  }
  if (r0 > 0) {
    const u0t = transpose(base.u, d, r0);
    const g00 = new Float32Array(r0 * r0);
    matmulABt(u0t, u0t, g00, r0, r0, d);
    const h00 = new Float32Array(r0 * r0);
    matmulABt(base.v, base.v, h00, r0, r0, d);
    value += traceProduct(g00, h00, r0, r0);
  }
  return (lambda / 2) * value;
}

/** sum_{a,b} A[a,b] B[b,a] for A [m x n], B [n x m]. */
function traceProduct(a: Float32Array, b: Float32Array, m: number, n: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) s += a[i * n + j] * b[j * m + i];
  return s;
}

/**
 * Loss of one batch and its gradient (added to `grads`). Returns the InfoNCE part and the
 * regulariser separately so progress can show the contrastive loss alone.
 */
export function infoNceStep(
  heads: HeadPair,
  batch: Batch,
  options: LossOptions,
  grads: { imitation: HeadGradients; reference: HeadGradients },
  scratch: LossScratch,
  base?: HeadPair,
): { contrastive: number; regulariser: number } {
  const n = batch.size;
  const d = heads.imitation.dimension;
  if (n > scratch.batch || d !== scratch.dimension) throw new EngineError('internal', 'the loss scratch was made for another shape');
  const { q, p, s, g, gt, qt, pt } = scratch;
  const invT = 1 / options.temperature;
  forwardTower(heads.imitation, batch.imitations, n, q);
  forwardTower(heads.reference, batch.references, n, p);
  matmulABt(q.y, p.y, s, n, n, d);

  let loss = 0;
  const groups = batch.groups;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      if (j !== i && options.maskSameReference && groups[j] === groups[i]) continue;
      max = Math.max(max, s[row + j] * invT);
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const allowed = j === i || !options.maskSameReference || groups[j] !== groups[i];
      const e = allowed ? Math.exp(s[row + j] * invT - max) : 0;
      g[row + j] = e;
      sum += e;
    }
    loss += Math.log(sum) + max - s[row + i] * invT;
    for (let j = 0; j < n; j++) g[row + j] = ((g[row + j] / sum - (j === i ? 1 : 0)) * invT) / n;
  }

  transpose(p.y, n, d, pt);
  matmulABt(g, pt, q.dOut, n, d, n);
  transpose(g, n, n, gt);
  transpose(q.y, n, d, qt);
  matmulABt(gt, qt, p.dOut, n, d, n);
  backwardTower(heads.imitation, batch.imitations, n, q, grads.imitation);
  backwardTower(heads.reference, batch.references, n, p, grads.reference);

  let regulariser = 0;
  if (base && options.regularisation > 0) {
    regulariser += regularise(heads.imitation, base.imitation, options.regularisation, grads.imitation);
    regulariser += regularise(heads.reference, base.reference, options.regularisation, grads.reference);
  }
  return { contrastive: loss / n, regulariser };
}
