package dev.canyon.trainer.probe;

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
 *   <li>{@link #extremes}: the spectral radius ρ by power iteration on ‖Hv‖, then the largest
 *       and the most negative eigenvalue by power iteration on H + 1.1ρI and H − 1.1ρI, and a
 *       Hutchinson estimate of tr H with Rademacher vectors.
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

    /** uᵀHu / ‖u‖² at θ; NaN for u = 0. */
    public double curvature(double[] theta, double[] u) {
        double[] hu = new double[u.length];
        hessianVector(theta, u, hu);
        double uu = dot(u, u);
        return uu == 0 ? Double.NaN : dot(u, hu) / uu;
    }

    /** Result of {@link #extremes}. */
    public record Extremes(double maxEigenvalue, double minEigenvalue, double trace, int hessianVectorProducts) {}

    /**
     * λmax and λmin of H at θ by {@code iterations} power-iteration steps each, and tr H from {@code
     * traceSamples} Rademacher probes.
     */
    public Extremes extremes(double[] theta, int iterations, int traceSamples, long seed) {
        Random random = new Random(seed);
        int d = theta.length;
        int[] products = {0};
        // ρ = max |λ| from the growth of ‖H^k v‖ (also right when ±λ pairs, as at a saddle, make the
        // Rayleigh quotient oscillate). Shifting by ±1.1ρ makes the wanted end of the spectrum the
        // unique dominant eigenvalue of H ± 1.1ρI.
        double rho = 1.1 * spectralRadius(theta, iterations, random, products);
        double max = powerIteration(theta, -rho, iterations, random, products) - rho;
        double min = powerIteration(theta, rho, iterations, random, products) + rho;
        double trace = 0;
        double[] v = new double[d];
        double[] hv = new double[d];
        for (int s = 0; s < traceSamples; s++) {
            for (int i = 0; i < d; i++) {
                v[i] = random.nextBoolean() ? 1 : -1;
            }
            hessianVector(theta, v, hv);
            products[0]++;
            trace += dot(v, hv) / traceSamples;
        }
        return new Extremes(max, min, traceSamples == 0 ? Double.NaN : trace, products[0]);
    }

    /** max |λ| of H by power iteration on the norm ‖Hv‖ / ‖v‖. */
    private double spectralRadius(double[] theta, int iterations, Random random, int[] products) {
        int d = theta.length;
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = random.nextGaussian();
        }
        scale(v, 1 / norm(v));
        double[] hv = new double[d];
        double rho = 0;
        for (int it = 0; it < iterations; it++) {
            hessianVector(theta, v, hv);
            products[0]++;
            rho = norm(hv);
            if (rho == 0 || !Double.isFinite(rho)) {
                return rho;
            }
            for (int i = 0; i < d; i++) {
                v[i] = hv[i] / rho;
            }
        }
        return rho;
    }

    /** The eigenvalue of largest magnitude of H − shift·I, by power iteration with a Rayleigh quotient. */
    private double powerIteration(double[] theta, double shift, int iterations, Random random, int[] products) {
        int d = theta.length;
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = random.nextGaussian();
        }
        scale(v, 1 / norm(v));
        double[] hv = new double[d];
        double lambda = 0;
        for (int it = 0; it < iterations; it++) {
            hessianVector(theta, v, hv);
            products[0]++;
            for (int i = 0; i < d; i++) {
                hv[i] -= shift * v[i];
            }
            lambda = dot(v, hv);
            double n = norm(hv);
            if (n == 0 || !Double.isFinite(n)) {
                return n == 0 ? 0 : Double.NaN;
            }
            for (int i = 0; i < d; i++) {
                v[i] = hv[i] / n;
            }
        }
        return lambda;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static void scale(double[] a, double f) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= f;
        }
    }
}
