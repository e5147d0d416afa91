package dev.canyon.kernels.pca;

import dev.canyon.kernels.linalg.Eigen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Streaming PCA against exact batch PCA (covariance eigendecomposition by Jacobi) of the same
 * trajectories, 1,000 points in 64 dimensions (beyond the 64 positions kept exactly): within 0.005,
 * DESIGN.md's bar; {@link TrajectoryPcaDifferentialTest} has the spaces the stream uses.
 */
class TrajectoryPcaTest {
    static final int K = 64;
    static final int N = 1000;

    /** A drifting, turning walk (like SGD: a curved path plus noise). */
    static float[][] curvedTrajectory(long seed) {
        Random r = new Random(seed);
        float[][] x = new float[N][K];
        double[] pos = new double[K];
        for (int t = 0; t < N; t++) {
            double angle = 3.0 * t / N;
            for (int j = 0; j < K; j++) {
                double drift = j == 0 ? Math.cos(angle) : j == 1 ? Math.sin(angle) : 0;
                pos[j] += 0.05 * drift + 0.01 * r.nextGaussian();
                x[t][j] = (float) (pos[j] + 3.0);
            }
        }
        return x;
    }

    static float[][] randomWalk(long seed) {
        Random r = new Random(seed);
        float[][] x = new float[N][K];
        double[] pos = new double[K];
        for (int t = 0; t < N; t++) {
            for (int j = 0; j < K; j++) {
                pos[j] += r.nextGaussian();
                x[t][j] = (float) pos[j];
            }
        }
        return x;
    }

    /** Exact PCA: eigendecomposition of the covariance. */
    static Eigen batch(float[][] x) {
        double[] mean = new double[K];
        for (float[] p : x) {
            for (int j = 0; j < K; j++) {
                mean[j] += p[j] / (double) x.length;
            }
        }
        double[][] c = new double[K][K];
        for (float[] p : x) {
            for (int a = 0; a < K; a++) {
                for (int b = 0; b < K; b++) {
                    c[a][b] += (p[a] - mean[a]) * (p[b] - mean[b]) / x.length;
                }
            }
        }
        return Eigen.of(c);
    }

    /** Largest principal angle between span(a0, a1) and span(b0, b1), degrees. */
    static double largestAngle(double[][] a, double[][] b) {
        double[][] m = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                m[i][j] = TrajectoryPca.dot(a[i], b[j]);
            }
        }
        double[][] mtm = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                mtm[i][j] = m[0][i] * m[0][j] + m[1][i] * m[1][j];
            }
        }
        double smallestCos = Math.sqrt(Math.max(0, Eigen.of(mtm).values[1]));
        return Math.toDegrees(Math.acos(Math.min(1, smallestCos)));
    }

    @Test
    void matchesBatchPcaOnCurvedTrajectoriesAndRandomWalks() {
        for (long seed = 1; seed <= 4; seed++) {
            for (float[][] x : new float[][][] {curvedTrajectory(seed), randomWalk(seed)}) {
                TrajectoryPca pca = new TrajectoryPca(K, 16);
                for (float[] p : x) {
                    pca.update(p);
                }
                TrajectoryPca.Result r = pca.result(2);
                Eigen exact = batch(x);
                double trace = java.util.Arrays.stream(exact.values).sum();
                for (int i = 0; i < 2; i++) {
                    assertThat(r.explainedVarianceRatios()[i]).as("EVR of PC%d, seed %d", i + 1, seed)
                            .isCloseTo(exact.values[i] / trace, within(0.005));
                }
                assertThat(r.totalVariance()).isCloseTo(trace, within(1e-9 * trace));
                // Principal angles are meaningful only where the eigengap separates PC2 from PC3.
                if ((exact.values[1] - exact.values[2]) / exact.values[1] > 0.3) {
                    double[][] top = {exact.vectors[0], exact.vectors[1]};
                    assertThat(largestAngle(r.components(), top)).as("largest principal angle, seed %d", seed).isLessThan(5);
                }
            }
        }
    }

    @Test
    void mergeOfHalvesMatchesOneStream() {
        float[][] x = curvedTrajectory(9);
        TrajectoryPca whole = new TrajectoryPca(K, 16);
        TrajectoryPca first = new TrajectoryPca(K, 16);
        TrajectoryPca second = new TrajectoryPca(K, 16);
        for (int t = 0; t < N; t++) {
            whole.update(x[t]);
            (t < N / 2 ? first : second).update(x[t]);
        }
        first.merge(second);
        assertThat(first.count()).isEqualTo(N);
        double[] a = whole.result(2).explainedVarianceRatios();
        double[] b = first.result(2).explainedVarianceRatios();
        assertThat(b[0]).isCloseTo(a[0], within(0.005));
        assertThat(b[1]).isCloseTo(a[1], within(0.005));
    }

    @Test
    void invariantsHold() {
        TrajectoryPca pca = new TrajectoryPca(K, 8);
        assertThat(pca.isEmpty()).isTrue();
        assertThat(pca.result(2).explainedVarianceRatios()).isEmpty();
        for (float[] p : randomWalk(3)) {
            pca.update(p);
        }
        TrajectoryPca.Result r = pca.result(3);
        assertThat(r.explainedVarianceRatios()).isSortedAccordingTo((u, v) -> Double.compare(v, u));
        assertThat(java.util.Arrays.stream(r.explainedVarianceRatios()).sum()).isLessThanOrEqualTo(1 + 1e-9);
        for (int i = 0; i < 3; i++) {
            assertThat(TrajectoryPca.dot(r.components()[i], r.components()[i])).isCloseTo(1, within(1e-9));
            for (int j = 0; j < i; j++) {
                assertThat(TrajectoryPca.dot(r.components()[i], r.components()[j])).isCloseTo(0, within(1e-9));
            }
        }
        assertThatThrownBy(() -> pca.update(new float[K - 1])).hasMessageContaining("63 values");
        float[] nan = new float[K];
        nan[2] = Float.NaN;
        long before = pca.count();
        assertThatThrownBy(() -> pca.update(nan)).hasMessageContaining("NaN");
        assertThat(pca.count()).isEqualTo(before);
    }

    /** dot2's two products are bit for bit dot's (the stored Gram matrices depend on it), tails of every length included. */
    @Test
    void pairedDotProductsAreBitIdenticalToSingleOnes() {
        Random r = new Random(11);
        double[] out = new double[2];
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 64, 1023, 1024, 1027}) {
            float[] x = new float[n];
            float[] a = new float[n];
            float[] b = new float[n];
            for (int j = 0; j < n; j++) {
                x[j] = (float) (r.nextGaussian() * Math.exp(4 * r.nextGaussian()));
                a[j] = (float) (r.nextGaussian() * Math.exp(4 * r.nextGaussian()));
                b[j] = (float) (r.nextGaussian() * Math.exp(4 * r.nextGaussian()));
            }
            TrajectoryPca.dot2(x, a, b, out);
            assertThat(Double.doubleToRawLongBits(out[0])).isEqualTo(Double.doubleToRawLongBits(TrajectoryPca.dot(x, a)));
            assertThat(Double.doubleToRawLongBits(out[1])).isEqualTo(Double.doubleToRawLongBits(TrajectoryPca.dot(b, x)));
        }
    }
}
