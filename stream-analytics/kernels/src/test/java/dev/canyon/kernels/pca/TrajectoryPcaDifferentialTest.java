package dev.canyon.kernels.pca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The stream's PCA against exact batch PCA of the same positions ({@link ExactPca}: Householder and
 * QL on the centred Gram matrix or covariance, independent of the Lanczos solver under test), in the
 * spaces the stream uses: 4,096 exact values and a 1,024-dimensional sketch, on trajectories shorter
 * and longer than the 64 positions kept by default.
 *
 * <p>Tolerances. Within the bound the PCA is exact: 1e-9 on the ratios (rounding of float dot
 * products in double and of the Lanczos residual, 1e-10 of the top eigenvalue, is far below it).
 * Beyond it, 0.005, the accuracy DESIGN.md asks of the stream (docs/metrics.md gives the measured
 * errors, about 1e-4 on random walks and planes, 1e-3 on the Ornstein-Uhlenbeck trajectory); and,
 * as the method proves, never above the exact value nor below it by more than the variance the sketch
 * dropped. Principal angles: within 5° of the exact top-2 plane (DESIGN.md), checked where the
 * eigengap separates PC2 from PC3 (elsewhere the plane itself is not determined).
 */
class TrajectoryPcaDifferentialTest {

    /** The stream's PCA of {@code points} with the default bound and sketch (64 positions, ℓ = 16). */
    static TrajectoryPca stream(float[][] points) {
        TrajectoryPca pca = new TrajectoryPca(points[0].length, 16);
        for (float[] p : points) {
            pca.update(p);
        }
        return pca;
    }

    static void assertMatches(float[][] points, double tolerance, String what) {
        TrajectoryPca pca = stream(points);
        TrajectoryPca.Result r = pca.result(3);
        ExactPca exact = ExactPca.of(points, 3);
        assertThat(r.explainedVarianceRatios()).as("%s: components", what).hasSize(3);
        double bound = pca.droppedVariance() / r.totalVariance();
        System.out.printf("%s: exact %.5f %.5f %.5f, stream minus exact %.6f %.6f %.6f, dropped %.2e of the variance, top-2 plane %.4f° from exact%n",
                what, exact.ratios()[0], exact.ratios()[1], exact.ratios()[2], r.explainedVarianceRatios()[0] - exact.ratios()[0],
                r.explainedVarianceRatios()[1] - exact.ratios()[1], r.explainedVarianceRatios()[2] - exact.ratios()[2], bound,
                Trajectories.largestAngle(r.components(), exact.components()));
        for (int i = 0; i < 3; i++) {
            double got = r.explainedVarianceRatios()[i];
            double want = exact.ratios()[i];
            assertThat(got).as("%s: EVR of PC%d (exact %.5f)", what, i + 1, want).isCloseTo(want, within(tolerance));
            // Ĉ ≼ C: below the exact value, by at most what the sketch dropped (plus rounding).
            assertThat(got).as("%s: PC%d not above exact", what, i + 1).isLessThanOrEqualTo(want + 1e-9);
            assertThat(got).as("%s: PC%d within the dropped variance", what, i + 1).isGreaterThanOrEqualTo(want - bound - 1e-9);
        }
        double trace = java.util.Arrays.stream(exact.values()).sum();
        assertThat(r.totalVariance()).as("%s: total variance", what).isCloseTo(trace, within(1e-9 * trace));
        if ((exact.values()[1] - exact.values()[2]) / exact.values()[1] > 0.2) {
            assertThat(Trajectories.largestAngle(r.components(), exact.components())).as("%s: largest principal angle", what)
                    .isLessThan(tolerance < 1e-6 ? 1e-3 : 5);
        }
    }

    @Test
    void exactWhileThePositionsFit() {
        for (long seed = 1; seed <= 3; seed++) {
            for (int k : new int[] {4096, 1024}) {
                // 64 positions: the origin and 63 samples (630 steps).
                float[][] points = Trajectories.walk(seed, k, TrajectoryPca.DEFAULT_POSITIONS - 1);
                assertThat(stream(points).isExact()).isTrue();
                assertMatches(points, 1e-9, "walk, k " + k + ", seed " + seed + ", " + points.length + " positions");
            }
        }
    }

    @Test
    void randomWalksBeyondTheBoundIn4096Dimensions() {
        for (long seed = 1; seed <= 2; seed++) {
            float[][] points = Trajectories.walk(seed, 4096, 300);
            assertThat(stream(points).isExact()).isFalse();
            assertMatches(points, 0.005, "walk, k 4096, seed " + seed + ", 301 positions");
        }
    }

    @Test
    void randomWalksBeyondTheBoundIn1024Dimensions() {
        for (long seed = 1; seed <= 3; seed++) {
            float[][] points = Trajectories.walk(seed, 1024, seed == 1 ? 100 : 400);
            assertThat(stream(points).isExact()).isFalse();
            assertMatches(points, 0.005, "walk, k 1024, seed " + seed + ", " + points.length + " positions");
        }
    }

    /**
     * A walk or a spiral in a random plane plus white noise of 1 % of the variance: top-2 near 1,
     * components within 5° of the plane (exact PCA of 50 such points is itself tilted by up to 4°, the
     * noise against a weak second direction; with 2 % noise by up to 5.6°).
     */
    @Test
    void plantedPlanes() {
        for (long seed = 1; seed <= 2; seed++) {
            for (boolean walk : new boolean[] {true, false}) {
                for (int samples : new int[] {50, 600}) {
                    Trajectories.Planted planted = Trajectories.plane(seed, 512, samples, walk, 0.01);
                    String what = (walk ? "walk" : "spiral") + " in a plane, seed " + seed + ", " + samples + " positions";
                    assertMatches(planted.points(), samples <= TrajectoryPca.DEFAULT_POSITIONS ? 1e-9 : 0.005, what);
                    TrajectoryPca.Result r = stream(planted.points()).result(2);
                    assertThat(r.explainedVarianceRatios()[0] + r.explainedVarianceRatios()[1]).as("%s: top-2", what).isGreaterThan(0.97);
                    double angle = Trajectories.largestAngle(r.components(), planted.plane());
                    System.out.printf("%s: top-2 %.5f, %.3f° from the planted plane%n", what,
                            r.explainedVarianceRatios()[0] + r.explainedVarianceRatios()[1], angle);
                    assertThat(angle).as("%s: angle to the plane", what).isLessThan(5);
                }
            }
        }
    }

    /**
     * The hardest case measured: SGD's stationary phase on a quadratic with graded curvature, where
     * stiff directions fluctuate within the merged groups (error about 1e-3; 2.5e-3 with ℓ = 8).
     */
    @Test
    void ornsteinUhlenbeckTrajectory() {
        assertMatches(Trajectories.ornsteinUhlenbeck(4, 256, 1500), 0.005, "Ornstein-Uhlenbeck, k 256, 1,500 positions");
    }

    /** Long runs, for the numbers in docs/metrics.md: 5,000 positions (50,000 steps) of a walk in 1,024 dimensions. */
    @Test
    @Tag("real")
    void longRandomWalks() {
        for (long seed = 1; seed <= 3; seed++) {
            float[][] points = Trajectories.walk(seed, 1024, 5000);
            assertMatches(points, 0.005, "walk, k 1024, seed " + seed + ", 5,001 positions");
        }
    }
}
