// The baselines: value and gradient written by hand with Float64Array loops, the way an expert
// would for each benchmark case (fused loops, row-major contiguous inner loops, buffers allocated
// once, Cholesky for the symmetric positive definite K = αAAᵀ + β⁻¹I). Each factory returns one
// closure, created once (V8 specializes a closure only while it is unique).

export type Grad = Record<string, number | Float64Array>;
export type Impl = () => { value: number; grad: Grad };

/** L = ‖Wx − x‖²:  ∂L/∂W = 2(Wx − x)xᵀ */
export function wxMinusX(n: number, W: Float64Array, x: Float64Array): Impl {
  const r = new Float64Array(n);
  const dW = new Float64Array(n * n);
  return () => {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += W[row + k] * x[k];
      const ri = s - x[i];
      r[i] = ri;
      value += ri * ri;
    }
    for (let i = 0; i < n; i++) {
      const ri2 = 2 * r[i];
      const row = i * n;
      for (let j = 0; j < n; j++) dW[row + j] = ri2 * x[j];
    }
    return { value, grad: { W: dW } };
  };
}

/** h = relu(W₁x + b₁); ŷ = W₂h + b₂; L = ½‖ŷ − y‖² (n → m → k) */
export function regressionMlp(n: number, m: number, k: number, p: { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array; x: Float64Array; y: Float64Array }): Impl {
  const { W1, b1, W2, b2, x, y } = p;
  const z = new Float64Array(m);
  const h = new Float64Array(m);
  const e = new Float64Array(k);
  const dz = new Float64Array(m);
  const dW1 = new Float64Array(m * n);
  const dW2 = new Float64Array(k * m);
  const db2 = new Float64Array(k);
  const db1 = new Float64Array(m);
  return () => {
    for (let i = 0; i < m; i++) {
      const row = i * n;
      let s = b1[i];
      for (let j = 0; j < n; j++) s += W1[row + j] * x[j];
      z[i] = s;
      h[i] = s > 0 ? s : 0;
    }
    let value = 0;
    for (let i = 0; i < k; i++) {
      const row = i * m;
      let s = b2[i];
      for (let j = 0; j < m; j++) s += W2[row + j] * h[j];
      const ei = s - y[i];
      e[i] = ei;
      db2[i] = ei;
      value += ei * ei;
    }
    value *= 0.5;
    dz.fill(0);
    for (let i = 0; i < k; i++) {
      const ei = e[i];
      const row = i * m;
      for (let j = 0; j < m; j++) {
        dW2[row + j] = ei * h[j];
        dz[j] += W2[row + j] * ei;
      }
    }
    for (let i = 0; i < m; i++) {
      const g = z[i] > 0 ? dz[i] : 0;
      db1[i] = g;
      const row = i * n;
      for (let j = 0; j < n; j++) dW1[row + j] = g * x[j];
    }
    return { value, grad: { W2: dW2, b2: db2, W1: dW1, b1: db1 } };
  };
}

const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** L = (y − bᵀσ(Ax))²:  ∂L/∂b = −2(y − bᵀσ(Ax))σ(Ax);  ∂L/∂A = −2(y − bᵀσ(Ax))(b ⊙ σ ⊙ (1 − σ))xᵀ */
export function sigmoidTwoLayer(h: number, m: number, p: { A: Float64Array; b: Float64Array; x: Float64Array; y: number }): Impl {
  const { A, b, x, y } = p;
  const s = new Float64Array(h);
  const db = new Float64Array(h);
  const dA = new Float64Array(h * m);
  return () => {
    let yhat = 0;
    for (let i = 0; i < h; i++) {
      const row = i * m;
      let z = 0;
      for (let j = 0; j < m; j++) z += A[row + j] * x[j];
      const si = sigmoid(z);
      s[i] = si;
      yhat += b[i] * si;
    }
    const r = y - yhat;
    const c = -2 * r;
    for (let i = 0; i < h; i++) {
      const si = s[i];
      db[i] = c * si;
      const g = c * b[i] * si * (1 - si);
      const row = i * m;
      for (let j = 0; j < m; j++) dA[row + j] = g * x[j];
    }
    return { value: r * r, grad: { b: db, A: dA } };
  };
}

/** K = αAAᵀ + β⁻¹I (upper triangle computed, mirrored), then its Cholesky factor in place (lower). */
function kernelCholesky(n: number, A: Float64Array, alpha: number, beta: number, L: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      let s = 0;
      for (let p = 0; p < n; p++) s += A[ri + p] * A[rj + p];
      L[ri + j] = alpha * s + (i === j ? 1 / beta : 0);
    }
  }
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = L[rj + j];
    for (let p = 0; p < j; p++) d -= L[rj + p] * L[rj + p];
    const ljj = Math.sqrt(d);
    L[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = L[j * n + i]; // K[i][j] = K[j][i], from the upper triangle
      for (let p = 0; p < j; p++) s -= L[ri + p] * L[rj + p];
      L[ri + j] = s / ljj;
    }
  }
}

/** X ← K⁻¹X for X (n × c) given the Cholesky factor L of K. */
function choleskySolve(n: number, c: number, L: Float64Array, X: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * c;
    for (let p = 0; p < i; p++) {
      const l = L[i * n + p];
      const rp = p * c;
      for (let j = 0; j < c; j++) X[ri + j] -= l * X[rp + j];
    }
    const d = L[i * n + i];
    for (let j = 0; j < c; j++) X[ri + j] /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * c;
    for (let p = i + 1; p < n; p++) {
      const l = L[p * n + i];
      const rp = p * c;
      for (let j = 0; j < c; j++) X[ri + j] -= l * X[rp + j];
    }
    const d = L[i * n + i];
    for (let j = 0; j < c; j++) X[ri + j] /= d;
  }
}

/** L₁ = −γ/2·log|αAAᵀ + β⁻¹I|:  ∂L₁/∂A = −γα(αAAᵀ + β⁻¹I)⁻¹A */
export function logdet(n: number, p: { A: Float64Array; alpha: number; beta: number; gamma: number }): Impl {
  const { A, alpha, beta, gamma } = p;
  const L = new Float64Array(n * n);
  const dA = new Float64Array(n * n);
  return () => {
    kernelCholesky(n, A, alpha, beta, L);
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i]);
    dA.set(A);
    choleskySolve(n, n, L, dA);
    const c = -gamma * alpha;
    for (let i = 0; i < n * n; i++) dA[i] *= c;
    return { value: -gamma * logDet, grad: { A: dA } };
  };
}

/** L₂ = −½tr(K⁻¹BBᵀ), K = αAAᵀ + β⁻¹I, Y = K⁻¹B:  ∂L₂/∂A = α(YYᵀ)A;  ∂L₂/∂B = −Y */
export function traceInverse(n: number, p: { A: Float64Array; B: Float64Array; alpha: number; beta: number }): Impl {
  const { A, B, alpha, beta } = p;
  const L = new Float64Array(n * n);
  const Y = new Float64Array(n * n);
  const T = new Float64Array(n * n);
  const dA = new Float64Array(n * n);
  const dB = new Float64Array(n * n);
  return () => {
    kernelCholesky(n, A, alpha, beta, L);
    Y.set(B);
    choleskySolve(n, n, L, Y);
    let tr = 0;
    for (let i = 0; i < n * n; i++) {
      tr += Y[i] * B[i];
      dB[i] = -Y[i];
    }
    // S = YYᵀ (symmetric: one triangle of row-by-row dot products, mirrored), then dA = αSA.
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = i; j < n; j++) {
        const rj = j * n;
        let s = 0;
        for (let q = 0; q < n; q++) s += Y[ri + q] * Y[rj + q];
        T[ri + j] = alpha * s;
        T[rj + i] = alpha * s;
      }
    }
    dA.fill(0);
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let q = 0; q < n; q++) {
        const t = T[ri + q];
        const rq = q * n;
        for (let j = 0; j < n; j++) dA[ri + j] += t * A[rq + j];
      }
    }
    return { value: -0.5 * tr, grad: { A: dA, B: dB } };
  };
}
