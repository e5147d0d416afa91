package dev.canyon.kernels.distance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DistanceTravelledTest {

    /** Streamed distances against recomputation from the full weight snapshots θ_0..θ_T. */
    @Test
    void matchesRecomputationFromSnapshots() {
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            int d = 50 + r.nextInt(2000);
            float[] theta0 = new float[d];
            for (int i = 0; i < d; i++) {
                theta0[i] = (float) (0.1 * r.nextGaussian());
            }
            float[] prev = theta0.clone();
            DistanceTravelled acc = new DistanceTravelled();
            double path = 0;
            for (int t = 1; t <= 300; t++) {
                float[] theta = new float[d];
                float[] delta = new float[d];
                for (int i = 0; i < d; i++) {
                    theta[i] = prev[i] + (float) (1e-3 * r.nextGaussian() + 2e-4);
                    delta[i] = theta[i] - prev[i];
                }
                acc.update(delta);
                double stepLen = 0, disp = 0;
                for (int i = 0; i < d; i++) {
                    stepLen += Math.pow((double) theta[i] - prev[i], 2);
                    disp += Math.pow((double) theta[i] - theta0[i], 2);
                }
                path += Math.sqrt(stepLen);
                // float deltas of nearby floats are exact (Sterbenz) or off by half an ulp: 1e-6 relative is ample.
                assertThat(acc.lastStepLength()).isCloseTo(Math.sqrt(stepLen), within(1e-6 * Math.sqrt(stepLen)));
                assertThat(acc.pathLength()).isCloseTo(path, within(1e-6 * path));
                assertThat(acc.displacement()).isCloseTo(Math.sqrt(disp), within(1e-6 * Math.sqrt(disp)));
                assertThat(acc.pathLength()).isGreaterThanOrEqualTo(acc.displacement() * (1 - 1e-9));
                prev = theta;
            }
            assertThat(acc.straightness()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void emptyIsZeroAndStraight() {
        DistanceTravelled acc = new DistanceTravelled();
        assertThat(acc.isEmpty()).isTrue();
        assertThat(acc.pathLength()).isZero();
        assertThat(acc.displacement()).isZero();
        assertThat(acc.straightness()).isEqualTo(1.0);
    }

    @Test
    void nonFiniteOrMismatchedDeltaIsRejectedAndStateKept() {
        DistanceTravelled acc = new DistanceTravelled();
        acc.update(new float[] {3f, 4f});
        assertThatThrownBy(() -> acc.update(new float[] {Float.NaN, 0f})).hasMessageContaining("NaN");
        assertThatThrownBy(() -> acc.update(new float[] {Float.POSITIVE_INFINITY, 0f})).hasMessageContaining("infinite");
        assertThatThrownBy(() -> acc.update(new float[] {1f, 2f, 3f})).hasMessageContaining("3 values").hasMessageContaining("had 2");
        assertThat(acc.steps()).isEqualTo(1);
        assertThat(acc.pathLength()).isEqualTo(5.0);
        assertThat(acc.displacement()).isEqualTo(5.0);
    }

    @Test
    void backAndForthTravelsWithoutMoving() {
        DistanceTravelled acc = new DistanceTravelled();
        acc.update(new float[] {1f, 0f});
        acc.update(new float[] {-1f, 0f});
        assertThat(acc.pathLength()).isEqualTo(2.0);
        assertThat(acc.displacement()).isZero();
        assertThat(acc.straightness()).isZero();
    }
}
