/**
 * Closed-form ridge regression of an affine map, regularised toward the identity:
 *
 *     minimise over W (D x D), b (D):   Σ_r ω_r ‖x_r W + b − y_r‖² + λ ‖W − I‖_F²
 *
 * x_r, y_r are rows (one token each), ω_r ≥ 0 row weights. With z_r = [x_r, 1] and Θ = [W; b]
 * the normal equations are
 *
 *     (Σ ω_r z_rᵀ z_r + λ·diag(1, …, 1, 0)) Θ = Σ ω_r z_rᵀ y_r + λ·[I; 0]
 *
 * a (D+1) x (D+1) symmetric system, positive definite for λ > 0 and any data with Σ ω_r > 0
 * (the bias is not regularised, so its diagonal entry is Σ ω_r). It is accumulated and solved in
 * float64 by Cholesky. λ → 0 is ordinary weighted least squares; λ → ∞ gives W = I and b = the
 * weighted mean of y − x, i.e. the pruned model's own behaviour up to a constant shift.
 */
export class RidgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RidgeError';
  }
}

export type TAffineFit = {
  /** D x D, row-major [in][out]: y = x W + b, ready for MatMul(x, W). */
  weight: Float64Array;
  bias: Float64Array;
  lambda: number;
};

/** The sufficient statistics of a block of rows: XᵀX and XᵀY (D x D, row-major), column sums of X and Y. */
export type TMoments = { rows: number; xx: Float64Array; xy: Float64Array; sx: Float64Array; sy: Float64Array };

/** Unrolled dot product of a[ao..ao+n) and b[bo..bo+n): the one kernel everything here runs on. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + (s2 + s3);
}

/** Rows processed together: their columns are copied out contiguously, so sums over rows are dot products. */
const CHUNK = 256;

/**
 * Sums the weighted normal equations block by block (rows directly, or their moments computed
 * elsewhere), so large activation sets need not be held at once.
 */
export class AffineRidge {
  /** Upper triangle of Σ ω z zᵀ, (D+1) x (D+1). */
  private readonly gram: Float64Array;
  /** Σ ω zᵀ y, (D+1) x D. */
  private readonly cross: Float64Array;
  rows = 0;
  weightSum = 0;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RidgeError(`dimension must be a positive whole number (got ${dim})`);
    const n = dim + 1;
    this.gram = new Float64Array(n * n);
    this.cross = new Float64Array(n * dim);
  }

  /** Adds `rows` rows of x and y (row-major, D values each), every row with weight `weight`. */
  add(x: ArrayLike<number>, y: ArrayLike<number>, rows: number, weight = 1): void {
    const d = this.dim;
    const n = d + 1;
    if (x.length !== rows * d || y.length !== rows * d) throw new RidgeError(`expected ${rows} rows of ${d} values (got ${x.length} and ${y.length} values)`);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RidgeError(`row weights must be finite and non-negative (got ${weight})`);
    if (weight === 0 || rows === 0) return;
    const g = this.gram;
    const c = this.cross;
    const xt = new Float64Array(d * Math.min(rows, CHUNK));
    const yt = new Float64Array(d * Math.min(rows, CHUNK));
    for (let r0 = 0; r0 < rows; r0 += CHUNK) {
      const len = Math.min(CHUNK, rows - r0);
      // column i of the chunk at xt[i * len ..]
      for (let r = 0; r < len; r++) {
        const o = (r0 + r) * d;
        for (let i = 0; i < d; i++) {
          xt[i * len + r] = x[o + i];
          yt[i * len + r] = y[o + i];
        }
      }
      for (let i = 0; i < d; i++) {
        const xi = i * len;
        for (let j = i; j < d; j++) g[i * n + j] += weight * dot(xt, xi, xt, j * len, len);
        let sx = 0;
        for (let r = 0; r < len; r++) sx += xt[xi + r];
        g[i * n + d] += weight * sx;
        for (let k = 0; k < d; k++) c[i * d + k] += weight * dot(xt, xi, yt, k * len, len);
      }
      for (let k = 0; k < d; k++) {
        let sy = 0;
        for (let r = 0; r < len; r++) sy += yt[k * len + r];
        c[d * d + k] += weight * sy;
      }
    }
    g[d * n + d] += weight * rows;
    this.rows += rows;
    this.weightSum += weight * rows;
  }

  /** Adds one weighted block of rows given by its moments (XᵀX, XᵀY, column sums of X and Y), as `momentsOf` computes them. */
  addMoments(m: TMoments, weight = 1): void {
    const d = this.dim;
    const n = d + 1;
    if (m.xx.length !== d * d || m.xy.length !== d * d || m.sx.length !== d || m.sy.length !== d) throw new RidgeError(`moments of dimension ${d} expected`);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RidgeError(`row weights must be finite and non-negative (got ${weight})`);
    if (weight === 0 || m.rows === 0) return;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) this.gram[i * n + j] += weight * m.xx[i * d + j];
      this.gram[i * n + d] += weight * m.sx[i];
      for (let k = 0; k < d; k++) this.cross[i * d + k] += weight * m.xy[i * d + k];
    }
    for (let k = 0; k < d; k++) this.cross[d * d + k] += weight * m.sy[k];
    this.gram[d * n + d] += weight * m.rows;
    this.rows += m.rows;
    this.weightSum += weight * m.rows;
  }

  /** trace(Xᵀ Ω X): the weighted energy of the inputs, which scales the default λ. */
  traceXX(): number {
    const n = this.dim + 1;
    let t = 0;
    for (let i = 0; i < this.dim; i++) t += this.gram[i * n + i];
    return t;
  }

  solve(lambda: number): TAffineFit {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RidgeError(`λ must be finite and non-negative (got ${lambda})`);
    if (this.weightSum <= 0) throw new RidgeError('no rows with positive weight to fit');
    const d = this.dim;
    const n = d + 1;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        a[i * n + j] = this.gram[i * n + j];
        a[j * n + i] = this.gram[i * n + j];
      }
    }
    const rhs = Float64Array.from(this.cross);
    for (let i = 0; i < d; i++) {
      a[i * n + i] += lambda;
      rhs[i * d + i] += lambda;
    }
    const theta = choleskySolve(a, n, rhs, d);
    return { weight: theta.subarray(0, d * d), bias: theta.subarray(d * d, n * d), lambda };
  }
}

/**
 * Solves A X = B for symmetric positive definite A (n x n) and B (n x m), both row-major; A is
 * overwritten by its Cholesky factor. Throws a RidgeError when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  // A = L Lᵀ, L in the lower triangle of `a`: L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj
  for (let j = 0; j < n; j++) {
    const jr = j * n;
    const diag = a[jr + j] - dot(a, jr, a, jr, j);
    if (!(diag > 0) || !Number.isFinite(diag)) {
      throw new RidgeError(`the normal equations are not positive definite (pivot ${diag} at row ${j}): the inputs are rank-deficient; use a larger λ`);
    }
    const ljj = Math.sqrt(diag);
    a[jr + j] = ljj;
    for (let i = j + 1; i < n; i++) a[i * n + j] = (a[i * n + j] - dot(a, i * n, a, jr, j)) / ljj;
  }
  // Lᵀ row-major (row i holds L_ki for k ≥ i at its positions k), so back substitution is dot products too
  const lt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) lt[k * n + i] = a[i * n + k];
  // one right-hand side at a time, as a contiguous column
  const col = new Float64Array(n);
  const x = new Float64Array(n * m);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) col[i] = b[i * m + c];
    for (let i = 0; i < n; i++) col[i] = (col[i] - dot(a, i * n, col, 0, i)) / a[i * n + i];
    for (let i = n - 1; i >= 0; i--) col[i] = (col[i] - dot(lt, i * n + i + 1, col, i + 1, n - i - 1)) / lt[i * n + i];
    for (let i = 0; i < n; i++) x[i * m + c] = col[i];
  }
  return x;
}

/** y = x W + b for `rows` rows, in float64. */
export function applyAffine(x: ArrayLike<number>, rows: number, fit: Pick<TAffineFit, 'weight' | 'bias'>): Float64Array {
  const d = fit.bias.length;
  const wt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) wt[k * d + i] = fit.weight[i * d + k];
  const row = new Float64Array(d);
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    for (let i = 0; i < d; i++) row[i] = x[o + i];
    for (let k = 0; k < d; k++) y[o + k] = fit.bias[k] + dot(row, 0, wt, k * d, d);
  }
  return y;
}
