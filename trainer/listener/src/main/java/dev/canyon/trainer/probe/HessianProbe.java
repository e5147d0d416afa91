package dev.canyon.trainer.probe;

import dev.canyon.kernels.linalg.Eigen;
import java.util.Random;

/**
 * Curvature from gradients alone (DL4J has no double backprop): Hessian-vector products by central
 * finite differences of gradients on a fixed batch, Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε with
 * ε = {@code relativeStep} · max(1, ‖θ‖) / ‖v‖ (truncation error O(ε²); rounding error about
 * u·‖∇L‖/ε for unit roundoff u, so float32 models want a larger step than float64 ones).
 *
 * <ul>
 *   <li>{@link #curvature}: uᵀHu / ‖u‖², the curvature along a direction (Goodfellow's tutorial,
 *       seed 001).
 *   <li>{@link #extremes}: the largest and the most negative eigenvalue as extreme Ritz values of
 *       a Lanczos run, and a Hutchinson estimate of tr H with Rademacher vectors.
 *   <li>{@link #preconditionedMax}: λmax(P⁻¹H) for a diagonal preconditioner P (Adam's edge of
 *       stability), from a Lanczos run on P^{−1/2} H P^{−1/2}.
 * </ul>
 *
 * Cost: two gradient evaluations per Hessian-vector product. NaN or infinite gradients propagate
 * into the results. Not thread-safe (reuses buffers).
 */
public final class HessianProbe {
    private final GradientOracle oracle;
    private final double relativeStep;
    private final double[] plus;
    private final double[] minus;
    private final double[] shifted;

    public HessianProbe(GradientOracle oracle, double relativeStep) {
        if (!(relativeStep > 0)) {
            throw new IllegalArgumentException("finite-difference step must be positive, got " + relativeStep);
        }
        this.oracle = oracle;
        this.relativeStep = relativeStep;
        int d = oracle.dimension();
        this.plus = new double[d];
        this.minus = new double[d];
        this.shifted = new double[d];
    }

    /** Hv at θ, written into {@code out}. */
    public void hessianVector(double[] theta, double[] v, double[] out) {
        double vn = norm(v);
        if (vn == 0) {
            java.util.Arrays.fill(out, 0);
            return;
        }
        double eps = relativeStep * Math.max(1, norm(theta)) / vn;
        for (int i = 0; i < theta.length; i++) {
            shifted[i] = theta[i] + eps * v[i];
        }
        oracle.gradient(shifted, plus);
        for (int i = 0; i < theta.length; i++) {
            shifted[i] = theta[i] - eps * v[i];
        }
        oracle.gradient(shifted, minus);
        for (int i = 0; i < theta.length; i++) {
            out[i] = (plus[i] - minus[i]) / (2 * eps);
        }
    }

    /**
     * The dense Hessian at θ, column by column from d Hessian-vector products, symmetrized (finite
     * differences leave it symmetric only up to rounding). For small models and references only:
     * d products and d² doubles.
     */
    public double[][] dense(double[] theta) {
        int d = theta.length;
        double[][] h = new double[d][d];
        double[] e = new double[d];
        double[] col = new double[d];
        for (int j = 0; j < d; j++) {
            java.util.Arrays.fill(e, 0);
            e[j] = 1;
            hessianVector(theta, e, col);
            for (int i = 0; i < d; i++) {
                h[i][j] = col[i];
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                double m = (h[i][j] + h[j][i]) / 2;
                h[i][j] = m;
                h[j][i] = m;
            }
        }
        return h;
    }

    /** uᵀHu / ‖u‖² at θ; NaN for u = 0. */
    public double curvature(double[] theta, double[] u) {
        double[] hu = new double[u.length];
        hessianVector(theta, u, hu);
        double uu = dot(u, u);
        return uu == 0 ? Double.NaN : dot(u, hu) / uu;
    }

    /**
     * Result of {@link #extremes}.
     *
     * @param trace Hutchinson's estimate of tr H: the mean of vᵀHv over the Rademacher vectors v (NaN without any)
     * @param traceStderr its standard error: the sample standard deviation of those vᵀHv over √(vectors) (NaN under 2)
     */
    public record Extremes(double maxEigenvalue, double minEigenvalue, double trace, double traceStderr, int hessianVectorProducts) {}

    /**
     * λmax and λmin of H at θ from {@code iterations} Lanczos steps (Ritz values of the Krylov
     * subspace, with full reorthogonalization), and tr H from {@code traceSamples} Rademacher
     * probes, with its standard error from the spread of their vᵀHv. Lanczos finds both ends of the
     * spectrum from one subspace and converges far faster than power iteration when eigenvalues
     * cluster (at a saddle, ±λ pairs defeat plain power iteration altogether). Memory: {@code
     * iterations} vectors of d doubles.
     */
    public Extremes extremes(double[] theta, int iterations, int traceSamples, long seed) {
        Random random = new Random(seed);
        int d = theta.length;
        Ritz ritz = lanczos((v, out) -> hessianVector(theta, v, out), d, iterations, random);
        int products = ritz.products;
        if (ritz.failed) {
            return new Extremes(Double.NaN, Double.NaN, Double.NaN, Double.NaN, products);
        }
        double trace = 0;
        double[] samples = new double[traceSamples];
        double[] rv = new double[d];
        double[] hv = new double[d];
        for (int s = 0; s < traceSamples; s++) {
            for (int i = 0; i < d; i++) {
                rv[i] = random.nextBoolean() ? 1 : -1;
            }
            hessianVector(theta, rv, hv);
            products++;
            samples[s] = dot(rv, hv);
            trace += samples[s] / traceSamples;
        }
        double squares = 0;
        for (double q : samples) {
            squares += (q - trace) * (q - trace);
        }
        double stderr = traceSamples < 2 ? Double.NaN : Math.sqrt(squares / (traceSamples - 1) / traceSamples);
        return new Extremes(ritz.max, ritz.min, traceSamples == 0 ? Double.NaN : trace, stderr, products);
    }

    /** Result of {@link #preconditionedMax}. */
    public record Preconditioned(double maxEigenvalue, int hessianVectorProducts) {}

    /**
     * λmax(P⁻¹H) at θ for a positive diagonal P: the largest Ritz value of {@code iterations} Lanczos
     * steps on the symmetric P^{−1/2} H P^{−1/2}, which has the eigenvalues of P⁻¹H (similar matrices);
     * one Hessian-vector product per step, Hv at v = P^{−1/2}u. NaN when the products are not finite
     * or P is not positive and finite.
     *
     * @param p P's diagonal (e.g. {@link AdamPreconditioner#diagonal})
     */
    public Preconditioned preconditionedMax(double[] theta, double[] p, int iterations, long seed) {
        int d = theta.length;
        double[] s = new double[d];
        for (int i = 0; i < d; i++) {
            if (!(p[i] > 0) || !Double.isFinite(p[i])) {
                return new Preconditioned(Double.NaN, 0);
            }
            s[i] = 1 / Math.sqrt(p[i]);
        }
        double[] scaled = new double[d];
        Ritz ritz = lanczos((u, out) -> {
            for (int i = 0; i < d; i++) {
                scaled[i] = s[i] * u[i];
            }
            hessianVector(theta, scaled, out);
            for (int i = 0; i < d; i++) {
                out[i] *= s[i];
            }
        }, d, iterations, new Random(seed));
        return new Preconditioned(ritz.failed ? Double.NaN : ritz.max, ritz.products);
    }

    /** A symmetric linear operator: A·v written into {@code out}. */
    private interface Operator {
        void apply(double[] v, double[] out);
    }

    /** Extreme Ritz values of a Lanczos run; {@code failed} when a product was not finite or no step ran. */
    private record Ritz(double max, double min, int products, boolean failed) {}

    /**
     * {@code iterations} Lanczos steps (at most d) on {@code a} from a Gaussian start, with full
     * reorthogonalization; the extreme eigenvalues of the tridiagonal.
     */
    private static Ritz lanczos(Operator a, int d, int iterations, Random random) {
        int products = 0;
        int k = Math.min(iterations, d);
        double[][] basis = new double[k + 1][];
        double[] alpha = new double[k];
        double[] beta = new double[k];
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = random.nextGaussian();
        }
        scale(v, 1 / norm(v));
        basis[0] = v;
        int steps = 0;
        double[] w = new double[d];
        for (int j = 0; j < k; j++) {
            a.apply(basis[j], w);
            products++;
            alpha[j] = dot(w, basis[j]);
            if (!Double.isFinite(alpha[j])) {
                return new Ritz(Double.NaN, Double.NaN, products, true);
            }
            for (int i = 0; i < d; i++) {
                w[i] -= alpha[j] * basis[j][i] + (j > 0 ? beta[j - 1] * basis[j - 1][i] : 0);
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int b = 0; b <= j; b++) {
                    double c = dot(w, basis[b]);
                    for (int i = 0; i < d; i++) {
                        w[i] -= c * basis[b][i];
                    }
                }
            }
            steps = j + 1;
            double bj = norm(w);
            beta[j] = bj;
            if (bj <= 1e-12 * Math.max(1, Math.abs(alpha[j])) || j == k - 1) {
                break;
            }
            basis[j + 1] = w.clone();
            scale(basis[j + 1], 1 / bj);
        }
        if (steps == 0) {
            return new Ritz(Double.NaN, Double.NaN, products, false);
        }
        double[][] t = new double[steps][steps];
        for (int j = 0; j < steps; j++) {
            t[j][j] = alpha[j];
            if (j + 1 < steps) {
                t[j][j + 1] = beta[j];
                t[j + 1][j] = beta[j];
            }
        }
        double[] values = Eigen.of(t).values;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double r : values) {
            max = Math.max(max, r);
            min = Math.min(min, r);
        }
        return new Ritz(max, min, products, false);
    }

    static double dot(double[] a, double[] b) {
        return dev.canyon.kernels.vector.VectorOps.dot(a, b);
    }

    static double norm(double[] a) {
        return dev.canyon.kernels.vector.VectorOps.norm(a);
    }

    private static void scale(double[] a, double f) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= f;
        }
    }
}
