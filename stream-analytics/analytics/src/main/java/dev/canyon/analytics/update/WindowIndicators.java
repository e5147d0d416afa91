package dev.canyon.analytics.update;

/**
 * The obstacle indicators of the sliding window that ends at {@code at.step()} (docs/metrics.md);
 * NaN where an indicator has no value for this window.
 *
 * @param windowSteps steps in the window so far
 * @param noiseScale the noise scale B_noise = tr Σ / ‖∇L‖² (NaN when absent: {@code notes} says why)
 * @param noiseSource where {@code noiseScale} comes from
 * @param curvatureSource where {@code curvature} comes from
 * @param stabilityRatio λmax (or Adam's preconditioned λmax) over the optimizer's edge of stability, from
 *     a fresh Hessian probe (NaN when absent: {@code notes} says why)
 * @param lambdaMax λmax of a fresh Hessian probe
 * @param lambdaMin λmin of a fresh Hessian probe
 * @param gradNormSq the same-point probes' unbiased ‖∇L‖² over the recent probes (NaN without)
 * @param gradNormSqStderr its standard error
 * @param noiseTrace their tr Σ per example
 * @param notes why an indicator is absent, and the basis of the stability ratio ("" when nothing to say)
 */
public record WindowIndicators(At at, int windowSteps, double gradNormMean, double gradNormTrend, double uphillFraction,
        double successiveCosine, double noiseScale, NoiseSource noiseSource, double curvature, CurvatureSource curvatureSource,
        double taylorPredicted, double taylorObserved, double stabilityRatio, double lambdaMax, double lambdaMin,
        double gradNormSq, double gradNormSqStderr, double noiseTrace, String notes) implements Update {

    /** Where a window's noise scale comes from. */
    public enum NoiseSource {
        /** Same-point gradient probes of the trainer. */
        PROBE("probe"),
        /** The cross-batch estimate from the exact scalars, where its small-step assumption holds. */
        SCALARS("scalars"),
        /** None: the notes say why. */
        ABSENT("absent");

        private final String label;

        NoiseSource(String label) {
            this.label = label;
        }

        /** The stored label. */
        public String label() {
            return label;
        }
    }

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
