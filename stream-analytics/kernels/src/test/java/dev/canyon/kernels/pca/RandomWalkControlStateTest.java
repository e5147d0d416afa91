package dev.canyon.kernels.pca;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored walk draws the same directions and explains the same variance. */
class RandomWalkControlStateTest {

    static void assertSameResults(RandomWalkControl restored, RandomWalkControl original) {
        assertThat(restored.steps()).isEqualTo(original.steps());
        for (int r = 1; r <= 3; r++) {
            assertSameBits(restored.explainedVarianceRatios(r), original.explainedVarianceRatios(r), "ratios of " + r);
        }
    }

    @Test
    void restoredCopyContinuesBitForBit() throws StateFormatException {
        for (long seed = 1; seed <= 6; seed++) {
            Random r = new Random(seed);
            int k = 1 + r.nextInt(150);
            RandomWalkControl original = new RandomWalkControl(k, 2 + r.nextInt(6), r.nextLong());
            for (int t = r.nextInt(60); t > 0; t--) {
                original.step(r.nextDouble(), r.nextInt(3) == 0);
            }
            RandomWalkControl restored = RandomWalkControl.heapify(original.toByteArray());
            assertSameResults(restored, original);
            for (int t = 0; t < 80; t++) {
                double length = r.nextDouble();
                boolean sample = r.nextBoolean();
                original.step(length, sample);
                restored.step(length, sample);
                if (t % 9 == 0) {
                    assertSameResults(restored, original);
                }
            }
            assertSameResults(restored, original);
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        RandomWalkControl restored = RandomWalkControl.heapify(new RandomWalkControl(4, 2, 9).toByteArray());
        assertThat(restored.steps()).isZero();
        assertThat(restored.explainedVarianceRatios(2)).isEmpty();
        RandomWalkControl fresh = new RandomWalkControl(4, 2, 9);
        restored.step(1);
        fresh.step(1);
        assertSameResults(restored, fresh);
    }

    @Test
    void badStatesAreFormatErrors() {
        RandomWalkControl control = new RandomWalkControl(3, 2, 4);
        for (int t = 0; t < 5; t++) {
            control.step(0.5);
        }
        byte[] bytes = control.toByteArray();
        StateChecks.assertFormatChecks("RandomWalkControl", bytes, RandomWalkControl::heapify);
        // The embedded PCA's header: its version is named as the PCA's.
        byte[] futurePca = bytes.clone();
        futurePca[2 + 8 + 8 + 4 + 3 * 4] = 9;
        assertThatThrownBy(() -> RandomWalkControl.heapify(futurePca)).isInstanceOf(StateFormatException.class)
                .hasMessage("RandomWalkControl state, its PCA: TrajectoryPca state of format version 9; this Canyon reads version 1");
        byte[] otherDimension = bytes.clone();
        java.nio.ByteBuffer.wrap(otherDimension).putInt(18, 2);
        assertThatThrownBy(() -> RandomWalkControl.heapify(otherDimension)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("RandomWalkControl");
    }

    static RandomWalkControl goldenConstruction() {
        RandomWalkControl control = new RandomWalkControl(6, 2, 20260105L);
        for (int t = 0; t < 7; t++) {
            control.step(0.1 * (t + 1), t % 2 == 0);
        }
        return control;
    }

    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        RandomWalkControl expected = goldenConstruction();
        RandomWalkControl restored = RandomWalkControl.heapify(StateChecks.golden("random-walk-control.bin", expected.toByteArray()));
        assertThat(restored.steps()).isEqualTo(7);
        assertThat(restored.explainedVarianceRatios(1)).hasSize(1);
        assertSameResults(restored, expected);
        restored.step(0.3);
        expected.step(0.3);
        assertSameResults(restored, expected);
    }

    @Test
    void writerStillWritesVersion1() {
        assertThat(RandomWalkControl.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden("random-walk-control.bin", goldenConstruction().toByteArray()));
    }
}
