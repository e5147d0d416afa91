package dev.canyon.kernels.pca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RandomWalkControlTest {

    /**
     * Long isotropic walks: PC1 explains about 6/π² ≈ 0.61 and PC2 about 0.15 (Antognini and
     * Sohl-Dickstein 2018). Averaged over 10 seeded walks of 1,000 steps in 256 dimensions, within
     * 0.06 (the per-walk spread is about 0.1; the mean of 10 has about a third of it).
     */
    @Test
    void isotropicWalksExplainWhatTheoryPredicts() {
        double pc1 = 0;
        double pc2 = 0;
        int walks = 10;
        for (int seed = 0; seed < walks; seed++) {
            RandomWalkControl control = new RandomWalkControl(256, 16, seed);
            for (int t = 0; t < 1000; t++) {
                control.step(1.0);
            }
            double[] r = control.explainedVarianceRatios(2);
            pc1 += r[0] / walks;
            pc2 += r[1] / walks;
        }
        assertThat(pc1).isCloseTo(6 / (Math.PI * Math.PI), within(0.06));
        assertThat(pc2).isCloseTo(6 / (4 * Math.PI * Math.PI), within(0.06));
    }

    /** A straight path is explained by one component; its random-walk control is not. */
    @Test
    void straightPathStandsOutAgainstItsControl() {
        TrajectoryPca path = new TrajectoryPca(64, 8);
        RandomWalkControl control = new RandomWalkControl(64, 8, 1);
        float[] x = new float[64];
        path.update(x);
        for (int t = 0; t < 500; t++) {
            x[0] += 0.1f;
            path.update(x.clone());
            control.step(0.1);
        }
        assertThat(path.result(1).explainedVarianceRatios()[0]).isGreaterThan(0.999);
        assertThat(control.explainedVarianceRatios(1)[0]).isLessThan(0.9);
    }

    @Test
    void badLengthsAreRejected() {
        RandomWalkControl control = new RandomWalkControl(8, 4, 1);
        assertThatThrownBy(() -> control.step(Double.NaN)).hasMessageContaining("finite and >= 0");
        assertThatThrownBy(() -> control.step(-1)).hasMessageContaining("finite and >= 0");
    }
}
