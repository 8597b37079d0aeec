import { AppError } from '../errors';

/* Dense Cholesky factorisation and solves, for the small (K x K) systems of a Bradley-Terry fit. */

/** Lower Cholesky factor of a symmetric positive definite n x n matrix (row-major), with a small ridge if rounding made it indefinite. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  let ridge = 0;
  for (;;) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      let d = a[j * n + j] + ridge;
      for (let s = 0; s < j; s++) d -= l[j * n + s] * l[j * n + s];
      if (!(d > 0)) {
        ok = false;
        break;
      }
      const ljj = Math.sqrt(d);
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let v = a[i * n + j];
        for (let s = 0; s < j; s++) v -= l[i * n + s] * l[j * n + s];
        l[i * n + j] = v / ljj;
      }
    }
    if (ok) return l;
    let scale = 0;
    for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(a[j * n + j]));
    ridge = ridge ? ridge * 10 : Math.max(scale, 1) * 1e-12;
    if (ridge > Math.max(scale, 1)) throw new AppError('INTERNAL', 'the Bradley-Terry Hessian is not positive definite');
  }
}

/** Solves L Lᵀ x = b in place. */
export function solveCholesky(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let v = b[i];
    for (let s = 0; s < i; s++) v -= l[i * n + s] * b[s];
    b[i] = v / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let v = b[i];
    for (let s = i + 1; s < n; s++) v -= l[s * n + i] * b[s];
    b[i] = v / l[i * n + i];
  }
}
