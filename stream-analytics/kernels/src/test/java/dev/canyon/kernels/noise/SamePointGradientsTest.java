package dev.canyon.kernels.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Same-point statistics against their definitions: part gradients drawn as G + noise with a known
 * diagonal per-example covariance Σ (so the part covariance is Σ/b), many draws.
 */
class SamePointGradientsTest {
    private static final int D = 50;
    private static final int B = 16;

    /** Part gradients: G plus Gaussian noise of per-example variance sigma2[k] (divided by the part size). */
    private static double[][] parts(SplittableRandom r, double[] g, double[] sigma2, int m) {
        double[][] parts = new double[m][D];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < D; k++) {
                parts[i][k] = g[k] + Math.sqrt(sigma2[k] / B) * gaussian(r);
            }
        }
        return parts;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void estimatesAreUnbiasedAndTheStandardErrorCoversTheTruth() {
        SplittableRandom r = new SplittableRandom(7);
        double[] g = new double[D];
        double[] sigma2 = new double[D];
        double g2 = 0;
        double trace = 0;
        for (int k = 0; k < D; k++) {
            g[k] = k < 5 ? 0.05 : 0;
            sigma2[k] = 0.5 + k / (double) D;
            g2 += g[k] * g[k];
            trace += sigma2[k];
        }
        for (int m : new int[] {2, 4}) {
            int trials = 20_000;
            double sumU = 0, sumT = 0;
            int covered = 0;
            for (int t = 0; t < trials; t++) {
                SamePointGradients.Estimate p = SamePointGradients.of(parts(r, g, sigma2, m), B);
                sumU += p.gradNormSq();
                sumT += p.noiseTrace();
                if (Math.abs(p.gradNormSq() - g2) <= 2 * p.gradNormSqStderr()) {
                    covered++;
                }
            }
            // U has sd about tr(Σ/b)·sqrt(2/(m(m−1))) ≈ 4.7·0.7 per draw at m = 2: over 20,000 draws the mean is within
            // 0.03 of ‖G‖² = 0.0125 with 4σ to spare; T has relative sd below sqrt(2/(D(m−1))) per draw.
            assertThat(sumU / trials).as("mean U, m=%d", m).isCloseTo(g2, within(0.03));
            assertThat(sumT / trials).as("mean T, m=%d", m).isCloseTo(trace, within(0.01 * trace));
            // ±2 standard errors: the normal bound at m = 2 overstates, the jackknife at m = 4 has 3 degrees of freedom
            // (a t(3) interval of ±2 covers about 86 %); both must cover at least 80 %.
            assertThat(covered / (double) trials).as("coverage of ±2 SE, m=%d", m).isGreaterThan(0.8);
        }
    }

    @Test
    void partsMustAgree() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SamePointGradients.of(new double[][] {{1, 2}}, 4))
                .hasMessageContaining("at least 2 parts");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SamePointGradients.of(new double[][] {{1, 2}, {1}}, 4))
                .hasMessageContaining("part 1 has 1 values");
    }

    @Test
    void identicalPartsHaveNoNoise() {
        SamePointGradients.Estimate p = SamePointGradients.of(new double[][] {{3, 4}, {3, 4}, {3, 4}}, 8);
        assertThat(p.gradNormSq()).isCloseTo(25, within(1e-12));
        assertThat(p.noiseTrace()).isCloseTo(0, within(1e-12));
        assertThat(p.gradNormSqStderr()).isCloseTo(0, within(1e-12));
    }
}
