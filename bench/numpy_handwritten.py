"""Hand-written NumPy value-and-gradient functions for the bench cases, as an experienced NumPy user
writes them: one pass forward, the gradient by the chain rule, BLAS for every product, Cholesky for
the symmetric positive definite solves. npm run bench times the generated NumPy modules against these.
Inputs are dicts keyed like the generated modules' inputs."""
import numpy as np
import scipy.linalg


def wx_minus_x(p):
    """‖Wx − x‖² by W."""
    W, x = p["W"], p["x"]
    r = W @ x - x
    return r @ r, {"W": 2.0 * np.outer(r, x)}


def regression_mlp(p):
    """½‖W₂relu(W₁x + b₁) + b₂ − y‖² by W₂, b₂, W₁, b₁."""
    x, y, W1, b1, W2, b2 = p["x"], p["y"], p["W1"], p["b1"], p["W2"], p["b2"]
    z = W1 @ x + b1
    h = np.maximum(z, 0.0)
    e = W2 @ h + b2 - y
    dz = (W2.T @ e) * (z > 0)
    return 0.5 * (e @ e), {"W2": np.outer(e, h), "b2": e, "W1": np.outer(dz, x), "b1": dz}


def sigmoid_two_layer(p):
    """(y − bᵀσ(Ax))² by b and A."""
    A, b, x, y = p["A"], p["b"], p["x"], p["y"]
    s = 0.5 * (1.0 + np.tanh(0.5 * (A @ x)))
    r = y - b @ s
    return r * r, {"b": -2.0 * r * s, "A": np.outer(-2.0 * r * b * s * (1.0 - s), x)}


def logdet(p):
    """−γ/2·log|αAAᵀ + β⁻¹I| by A: −γα K⁻¹A."""
    A, alpha, beta, gamma = p["A"], p["alpha"], p["beta"], p["gamma"]
    K = alpha * (A @ A.T)
    K[np.diag_indices_from(K)] += 1.0 / beta
    c = scipy.linalg.cho_factor(K)
    log_det = 2.0 * np.sum(np.log(np.diag(c[0])))
    return -0.5 * gamma * log_det, {"A": -gamma * alpha * scipy.linalg.cho_solve(c, A)}


def trace_inverse(p):
    """−½tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ) by A and B: with M = K⁻¹B, αMMᵀA and −M."""
    A, B, alpha, beta = p["A"], p["B"], p["alpha"], p["beta"]
    K = alpha * (A @ A.T)
    K[np.diag_indices_from(K)] += 1.0 / beta
    M = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K), B)
    return -0.5 * np.sum(M * B), {"A": alpha * (M @ (M.T @ A)), "B": -M}


BY_SOURCE = {
    "‖Wx − x‖²": wx_minus_x,
    "h = relu(W₁x + b₁)\nŷ = W₂h + b₂\nL = ½‖ŷ − y‖²": regression_mlp,
    "L = (y − bᵀσ(Ax))²": sigmoid_two_layer,
    "L₁ = −γ/2 · log|αAAᵀ + β⁻¹I|": logdet,
    "L₂ = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)": trace_inverse,
}
