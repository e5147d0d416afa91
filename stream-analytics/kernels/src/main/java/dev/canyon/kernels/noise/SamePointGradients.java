package dev.canyon.kernels.noise;

/**
 * Same-point gradient statistics (McCandlish et al. 2018, "An empirical model of large-batch
 * training", appendix A): m ≥ 2 mean gradients g_1..g_m of disjoint parts of b examples each, all
 * taken at the same θ. With G = ∇L(θ) the true gradient and Σ the per-example gradient covariance,
 * E g_i = G and Cov g_i = Σ/b, the parts independent. Then:
 *
 * <ul>
 *   <li>U = mean over pairs i ≠ j of ⟨g_i, g_j⟩ = (‖Σ g_i‖² − Σ ‖g_i‖²) / (m(m−1)) is unbiased for
 *       ‖G‖² (each pair: E⟨g_i, g_j⟩ = ‖G‖² by independence). It is negative when the true gradient
 *       is small against the noise, and it is kept as it is: clipping would bias it.
 *   <li>T = b · Σ ‖g_i − ḡ‖² / (m − 1) is unbiased for tr Σ (sample variance of the parts).
 *   <li>The standard error of U: for m ≥ 3 the jackknife over parts, leaving one part out
 *       (U_(k) the same statistic over the other m − 1 parts; Var ≈ (m−1)/m Σ (U_(k) − Ū)²); for
 *       m = 2 the normal-theory bound sqrt(2 max(U, 0) tr(Σ/b) + (tr Σ/b)²), which uses
 *       tr((Σ/b)²) ≤ (tr Σ/b)² and so overstates the error.
 * </ul>
 *
 * Pure arithmetic over the part gradients (any oracle computes them); O(m·d).
 */
public final class SamePointGradients {
    private SamePointGradients() {}

    /**
     * One same-point estimate.
     *
     * @param parts m
     * @param partSize b
     * @param gradNormSq U, unbiased for ‖∇L‖²
     * @param gradNormSqStderr its standard error
     * @param noiseTrace T, unbiased for tr Σ
     */
    public record Estimate(int parts, int partSize, double gradNormSq, double gradNormSqStderr, double noiseTrace) {}

    /** The statistics of {@code parts} (each the mean gradient of {@code partSize} examples at one θ). */
    public static Estimate of(double[][] parts, int partSize) {
        int m = parts.length;
        if (m < 2) {
            throw new IllegalArgumentException("same-point gradients need at least 2 parts, got " + m);
        }
        int d = parts[0].length;
        double[] sum = new double[d];
        double[] squares = new double[m];
        double squareSum = 0;
        for (int i = 0; i < m; i++) {
            double[] g = parts[i];
            if (g.length != d) {
                throw new IllegalArgumentException("part " + i + " has " + g.length + " values, part 0 has " + d);
            }
            double s = 0;
            for (int k = 0; k < d; k++) {
                sum[k] += g[k];
                s += g[k] * g[k];
            }
            squares[i] = s;
            squareSum += s;
        }
        double sumSq = 0;
        for (double v : sum) {
            sumSq += v * v;
        }
        double u = (sumSq - squareSum) / ((double) m * (m - 1));
        // Σ‖g_i − ḡ‖² = Σ‖g_i‖² − ‖Σ g_i‖²/m.
        double spread = Math.max(0, squareSum - sumSq / m);
        double perPart = spread / (m - 1); // tr(Σ/b)
        double trace = partSize * perPart;
        double stderr;
        if (m >= 3) {
            double[] leaveOut = new double[m];
            double mean = 0;
            for (int i = 0; i < m; i++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += sum[k] * parts[i][k];
                }
                double s = sumSq - 2 * dot + squares[i];
                double q = squareSum - squares[i];
                leaveOut[i] = (s - q) / ((double) (m - 1) * (m - 2));
                mean += leaveOut[i];
            }
            mean /= m;
            double v = 0;
            for (double x : leaveOut) {
                v += (x - mean) * (x - mean);
            }
            stderr = Math.sqrt((m - 1) / (double) m * v);
        } else {
            stderr = Math.sqrt(2 * Math.max(u, 0) * perPart + perPart * perPart);
        }
        return new Estimate(m, partSize, u, Double.isFinite(stderr) ? stderr : 0, trace);
    }
}
