package dev.canyon.analytics.update;

/**
 * The obstacle indicators of the sliding window that ends at {@code at.step()} (docs/metrics.md);
 * NaN where an indicator has no value for this window.
 *
 * @param windowSteps steps in the window so far
 * @param curvatureSource where {@code curvature} comes from
 * @param stabilityRatio η·λmax/2 from a fresh Hessian probe
 * @param lambdaMax λmax of a fresh Hessian probe
 * @param lambdaMin λmin of a fresh Hessian probe
 */
public record WindowIndicators(At at, int windowSteps, double gradNormMean, double gradNormTrend, double uphillFraction,
        double successiveCosine, double noiseScale, double curvature, CurvatureSource curvatureSource,
        double taylorPredicted, double taylorObserved, double stabilityRatio, double lambdaMax, double lambdaMin)
        implements Update {

    /** Where a window's curvature comes from. */
    public enum CurvatureSource {
        /** A same-batch curvature probe of the trainer, fresh for this window. */
        PROBE("probe"),
        /** The cross-batch estimate from the exact scalars. */
        SCALARS("scalars");

        private final String label;

        CurvatureSource(String label) {
            this.label = label;
        }

        /** The stored label. */
        public String label() {
            return label;
        }
    }

    @Override
    public String run() {
        return at.run();
    }
}
