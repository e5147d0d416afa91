package dev.canyon.kernels.path;

/**
 * Summary of a linear-path probe (Goodfellow, Vinyals and Saxe 2015, seed 000): the loss along
 * θ(α) = (1−α)θ_0 + αθ_t on a grid of α. Reports whether the loss decreases monotonically from
 * α = 0 to α = 1, and the barrier height: the largest amount by which the curve rises above the
 * straight line between its values at α = 0 and α = 1, over the grid points in [0, 1] (0 when the
 * curve stays below that chord).
 *
 * <p>Input: α strictly increasing, the same number of losses. Points with α outside [0, 1] are
 * kept in the curve but not judged. A NaN or infinite loss in [0, 1] makes the path
 * non-monotone and the barrier infinite (divergence along the path is a barrier). Fewer than two
 * points in [0, 1]: monotone, barrier 0.
 *
 * @param monotone whether the loss never increases between consecutive grid points in [0, 1]
 *     (allowing a relative tolerance of {@link #TOLERANCE} for evaluation noise)
 * @param barrier height of the curve above the chord, in loss units
 * @param barrierAlpha the α where the barrier is highest (NaN when there is none)
 * @param startLoss loss at α = 0 (interpolated between grid points if needed)
 * @param endLoss loss at α = 1
 */
public record LinearPathSummary(boolean monotone, double barrier, double barrierAlpha, double startLoss, double endLoss) {

    /** Relative increase between consecutive points that still counts as monotone (float32 evaluation noise). */
    public static final double TOLERANCE = 1e-6;

    /** Summarizes a curve. */
    public static LinearPathSummary of(double[] alpha, double[] loss) {
        if (alpha.length != loss.length) {
            throw new IllegalArgumentException(alpha.length + " alphas but " + loss.length + " losses");
        }
        for (int i = 1; i < alpha.length; i++) {
            if (!(alpha[i] > alpha[i - 1])) {
                throw new IllegalArgumentException("alphas must increase strictly; alpha[" + i + "] = " + alpha[i]
                        + " after " + alpha[i - 1]);
            }
        }
        double start = interpolate(alpha, loss, 0);
        double end = interpolate(alpha, loss, 1);
        boolean monotone = true;
        double barrier = 0;
        double barrierAlpha = Double.NaN;
        double previous = Double.NaN;
        for (int i = 0; i < alpha.length; i++) {
            if (alpha[i] < 0 || alpha[i] > 1) {
                continue;
            }
            double l = loss[i];
            if (!Double.isFinite(l)) {
                return new LinearPathSummary(false, Double.POSITIVE_INFINITY, alpha[i], start, end);
            }
            if (!Double.isNaN(previous) && l > previous + TOLERANCE * Math.max(1, Math.abs(previous))) {
                monotone = false;
            }
            previous = l;
            double chord = (1 - alpha[i]) * start + alpha[i] * end;
            if (l - chord > barrier) {
                barrier = l - chord;
                barrierAlpha = alpha[i];
            }
        }
        return new LinearPathSummary(monotone, barrier, barrierAlpha, start, end);
    }

    private static double interpolate(double[] alpha, double[] loss, double a) {
        for (int i = 0; i < alpha.length; i++) {
            if (alpha[i] == a) {
                return loss[i];
            }
            if (alpha[i] > a) {
                if (i == 0) {
                    return loss[0];
                }
                double w = (a - alpha[i - 1]) / (alpha[i] - alpha[i - 1]);
                return (1 - w) * loss[i - 1] + w * loss[i];
            }
        }
        return loss.length == 0 ? Double.NaN : loss[loss.length - 1];
    }
}
