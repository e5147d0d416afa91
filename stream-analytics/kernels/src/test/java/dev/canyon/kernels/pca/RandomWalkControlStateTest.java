package dev.canyon.kernels.pca;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored control gives exactly the original's ratios, now and after more steps. */
class RandomWalkControlStateTest {

    static void assertSameResults(RandomWalkControl restored, RandomWalkControl original) {
        assertThat(restored.steps()).isEqualTo(original.steps());
        for (int r = 1; r <= 3; r++) {
            assertSameBits(restored.explainedVarianceRatios(r), original.explainedVarianceRatios(r), "ratios of " + r);
        }
    }

    static RandomWalkControl create(Random r, int k, boolean versionOne) {
        return versionOne ? RandomWalkControl.versionOne(k, 2 + r.nextInt(6), r.nextLong()) : new RandomWalkControl(k, r.nextLong());
    }

    @Test
    void restoredCopyContinuesBitForBit() throws StateFormatException {
        for (boolean versionOne : new boolean[] {false, true}) {
            for (long seed = 1; seed <= 6; seed++) {
                Random r = new Random(seed);
                // Dimensions below and above the Monte Carlo's limit.
                int k = seed % 2 == 0 ? 1 + r.nextInt(15) : 16 + r.nextInt(150);
                RandomWalkControl original = create(r, k, versionOne);
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
    }

    /** Beyond the groups it keeps (128 samples), merges continue the same after a restore. */
    @Test
    void restoredBeyondTheGroupBoundContinuesBitForBit() throws StateFormatException {
        Random r = new Random(3);
        RandomWalkControl original = new RandomWalkControl(300, 5);
        for (int t = 0; t < 1500; t++) {
            original.step(r.nextDouble(), t % 10 == 9);
        }
        RandomWalkControl restored = RandomWalkControl.heapify(original.toByteArray());
        for (int t = 0; t < 200; t++) {
            double length = r.nextDouble();
            original.step(length, t % 10 == 9);
            restored.step(length, t % 10 == 9);
        }
        assertSameResults(restored, original);
        assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        RandomWalkControl restored = RandomWalkControl.heapify(new RandomWalkControl(4, 9).toByteArray());
        assertThat(restored.steps()).isZero();
        assertThat(restored.explainedVarianceRatios(2)).isEmpty();
        RandomWalkControl fresh = new RandomWalkControl(4, 9);
        restored.step(1);
        fresh.step(1);
        assertSameResults(restored, fresh);
    }

    @Test
    void badStatesAreFormatErrors() {
        RandomWalkControl control = new RandomWalkControl(3, 4);
        for (int t = 0; t < 5; t++) {
            control.step(0.5);
        }
        byte[] bytes = control.toByteArray();
        assertThat(bytes[0]).isEqualTo((byte) 2);
        StateChecks.assertFormatChecks("RandomWalkControl", bytes, RandomWalkControl::heapify, 1, 2);
        // Header, seed, steps (byte 10), k (18), τ (22), samples (30), Σ τ (38), Σ Σ min (46), groups (54).
        byte[] negativeTime = bytes.clone();
        java.nio.ByteBuffer.wrap(negativeTime).putDouble(22, -1);
        assertThatThrownBy(() -> RandomWalkControl.heapify(negativeTime)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("intrinsic time is -1.0");
        byte[] moreGroups = bytes.clone();
        java.nio.ByteBuffer.wrap(moreGroups).putLong(30, 2);
        assertThatThrownBy(() -> RandomWalkControl.heapify(moreGroups)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("6 groups of 2 samples");
        byte[] weights = bytes.clone();
        java.nio.ByteBuffer.wrap(weights).putLong(30, 7);
        assertThatThrownBy(() -> RandomWalkControl.heapify(weights)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("weights add up to 6, not to the 7 samples");
        // The Monte Carlo's correction (k = 3 < 16): the last of the three doubles at the end.
        byte[] correction = bytes.clone();
        java.nio.ByteBuffer.wrap(correction).putDouble(bytes.length - 8, 2);
        assertThatThrownBy(() -> RandomWalkControl.heapify(correction)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("a correction is 2.0");
    }

    @Test
    void badVersionOneStatesAreFormatErrors() {
        RandomWalkControl control = RandomWalkControl.versionOne(3, 2, 4);
        for (int t = 0; t < 5; t++) {
            control.step(0.5);
        }
        byte[] bytes = control.toByteArray();
        assertThat(bytes[0]).isEqualTo((byte) 1);
        StateChecks.assertFormatChecks("RandomWalkControl", bytes, RandomWalkControl::heapify, 1, 2);
        // The embedded PCA's header: its version is named as the PCA's.
        int pcaAt = 2 + 8 + 8 + 4 + 3 * 4;
        byte[] futurePca = bytes.clone();
        futurePca[pcaAt] = 9;
        assertThatThrownBy(() -> RandomWalkControl.heapify(futurePca)).isInstanceOf(StateFormatException.class)
                .hasMessage("RandomWalkControl state, its PCA: TrajectoryPca state of format version 9; this Canyon reads versions 1 and 2");
        byte[] otherDimension = bytes.clone();
        java.nio.ByteBuffer.wrap(otherDimension).putInt(18, 2);
        assertThatThrownBy(() -> RandomWalkControl.heapify(otherDimension)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("RandomWalkControl");
        // A version 1 walk never held a version 2 PCA.
        byte[] newerPca = java.util.Arrays.copyOf(bytes, pcaAt);
        byte[] pca = new TrajectoryPca(3, 2).toByteArray();
        byte[] mixed = java.util.Arrays.copyOf(newerPca, pcaAt + pca.length);
        System.arraycopy(pca, 0, mixed, pcaAt, pca.length);
        assertThatThrownBy(() -> RandomWalkControl.heapify(mixed)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("of version 1 with a PCA of version 2");
    }

    /** Seven steps of growing length, every other one sampled: the fixtures' content. */
    static RandomWalkControl goldenSteps(RandomWalkControl control) {
        for (int t = 0; t < 7; t++) {
            control.step(0.1 * (t + 1), t % 2 == 0);
        }
        return control;
    }

    static RandomWalkControl goldenConstruction() {
        return goldenSteps(new RandomWalkControl(6, 20260105L));
    }

    /** The previous release's control (one simulated walk, Frequent Directions of 2 rows) of the same steps. */
    static RandomWalkControl goldenVersionOneConstruction() {
        return goldenSteps(RandomWalkControl.versionOne(6, 2, 20260105L));
    }

    /** A checkpoint of the previous release restores, gives what that release gave, continues the same and is written back unchanged. */
    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        RandomWalkControl expected = goldenVersionOneConstruction();
        byte[] fixture = StateChecks.golden("random-walk-control.bin", expected.toByteArray());
        assertThat(fixture).isEqualTo(expected.toByteArray());
        RandomWalkControl restored = RandomWalkControl.heapify(fixture);
        assertThat(restored.steps()).isEqualTo(7);
        assertThat(restored.explainedVarianceRatios(1)).hasSize(1);
        assertSameResults(restored, expected);
        restored.step(0.3);
        expected.step(0.3);
        assertSameResults(restored, expected);
        assertThat(restored.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void goldenV2FixtureReads() throws StateFormatException {
        RandomWalkControl expected = goldenConstruction();
        RandomWalkControl restored = RandomWalkControl.heapify(StateChecks.golden(2, "random-walk-control.bin", expected.toByteArray()));
        assertThat(restored.steps()).isEqualTo(7);
        assertThat(restored.explainedVarianceRatios(3)).hasSize(3);
        assertSameResults(restored, expected);
        restored.step(0.3);
        expected.step(0.3);
        assertSameResults(restored, expected);
    }

    @Test
    void writerWritesVersion2() {
        assertThat(RandomWalkControl.SERIAL_VERSION).isEqualTo(2);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden(2, "random-walk-control.bin", goldenConstruction().toByteArray()));
    }
}
