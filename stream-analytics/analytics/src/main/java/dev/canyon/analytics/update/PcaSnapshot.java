package dev.canyon.analytics.update;

/**
 * The trajectory PCA at {@code at.step()}: explained-variance ratios of the top components beside
 * the random-walk control's, and θ_t's coordinates on PC1 and PC2 (NaN when there is no such
 * component yet). Components are sign-aligned with the previous snapshot's.
 *
 * @param dimension dimension of the PCA's space
 * @param explainedVariance ratios of the top components, largest first
 * @param controlExplainedVariance the random-walk control's ratios
 */
public record PcaSnapshot(At at, int dimension, double[] explainedVariance, double[] controlExplainedVariance, double pc1,
        double pc2) implements Update {
    @Override
    public String run() {
        return at.run();
    }
}
