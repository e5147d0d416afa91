package dev.canyon.kernels.pca;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored sketch gives exactly the original's results, now and after more points. */
class TrajectoryPcaStateTest {

    static float[] point(Random r, float[] pos) {
        for (int i = 0; i < pos.length; i++) {
            pos[i] += (float) (r.nextGaussian() + (i == 0 ? 0.5 : 0));
        }
        return pos.clone();
    }

    static void assertSameResults(TrajectoryPca restored, TrajectoryPca original, float[] probe) {
        assertThat(restored.count()).isEqualTo(original.count());
        assertThat(restored.isEmpty()).isEqualTo(original.isEmpty());
        for (int r = 1; r <= 3; r++) {
            TrajectoryPca.Result a = restored.result(r);
            TrajectoryPca.Result b = original.result(r);
            assertSameBits(a.explainedVarianceRatios(), b.explainedVarianceRatios(), "ratios");
            assertSameBits(a.mean(), b.mean(), "mean");
            assertSameBits(a.totalVariance(), b.totalVariance(), "total variance");
            assertThat(a.components().length).isEqualTo(b.components().length);
            for (int i = 0; i < a.components().length; i++) {
                assertSameBits(a.components()[i], b.components()[i], "component " + i);
            }
            assertSameBits(a.project(probe), b.project(probe), "projection");
        }
    }

    /** A PCA of either version: kept positions from 2 to 9, so that merges and truncations happen within a few dozen points. */
    static TrajectoryPca create(Random r, int k, boolean versionOne) {
        int rows = 2 + r.nextInt(6);
        return versionOne ? TrajectoryPca.versionOne(k, rows) : new TrajectoryPca(k, rows, 2 + r.nextInt(8));
    }

    @Test
    void restoredCopyContinuesBitForBit() throws StateFormatException {
        for (boolean versionOne : new boolean[] {false, true}) {
            for (long seed = 1; seed <= 6; seed++) {
                Random r = new Random(seed);
                int k = 1 + r.nextInt(40);
                long otherSeed = r.nextLong();
                TrajectoryPca original = create(r, k, versionOne);
                float[] pos = new float[k];
                // Any fill: exact, at the bound, after merges and sketch truncations.
                for (int t = r.nextInt(40); t > 0; t--) {
                    original.update(point(r, pos));
                }
                TrajectoryPca restored = TrajectoryPca.heapify(original.toByteArray());
                assertThat(restored.isVersionOne()).isEqualTo(versionOne);
                assertSameResults(restored, original, pos);
                for (int t = 0; t < 60; t++) {
                    float[] x = point(r, pos);
                    original.update(x);
                    restored.update(x);
                    if (t % 7 == 0) {
                        assertSameResults(restored, original, x);
                    }
                }
                TrajectoryPca other = create(new Random(otherSeed), k, versionOne);
                for (int t = 0; t < 30; t++) {
                    other.update(point(r, pos));
                }
                original.merge(other);
                restored.merge(TrajectoryPca.heapify(other.toByteArray()));
                assertSameResults(restored, original, pos);
                assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
            }
        }
    }

    /** The products are recomputed from the stored vectors every 1,024 points: a restore on either side of that continues the same. */
    @Test
    void restoredAcrossARefreshContinuesBitForBit() throws StateFormatException {
        Random r = new Random(11);
        TrajectoryPca original = new TrajectoryPca(7, 3, 5);
        float[] pos = new float[7];
        for (int t = 0; t < TrajectoryPca.REFRESH_EVERY - 3; t++) {
            original.update(point(r, pos));
        }
        TrajectoryPca restored = TrajectoryPca.heapify(original.toByteArray());
        for (int t = 0; t < 10; t++) {
            float[] x = point(r, pos);
            original.update(x);
            restored.update(x);
        }
        assertSameResults(restored, original, pos);
        assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        TrajectoryPca restored = TrajectoryPca.heapify(new TrajectoryPca(3, 2).toByteArray());
        assertThat(restored.isEmpty()).isTrue();
        assertThat(restored.result(2).explainedVarianceRatios()).isEmpty();
        restored.update(new float[] {1, 2, 3});
        assertThat(restored.count()).isEqualTo(1);
        assertThatThrownBy(() -> restored.update(new float[2])).hasMessageContaining("takes 3");
    }

    @Test
    void badStatesAreFormatErrors() {
        TrajectoryPca pca = new TrajectoryPca(3, 2, 3);
        Random r = new Random(6);
        float[] pos = new float[3];
        for (int t = 0; t < 9; t++) {
            pca.update(point(r, pos));
        }
        byte[] bytes = pca.toByteArray();
        assertThat(bytes[0]).isEqualTo((byte) 2);
        StateChecks.assertFormatChecks("TrajectoryPca", bytes, TrajectoryPca::heapify, 1, 2);
        StateChecks.assertFormatChecks("TrajectoryPca", new TrajectoryPca(2, 2).toByteArray(), TrajectoryPca::heapify, 1, 2);
        // Header, then k at byte 2, ℓ at 6, P at 10, n at 14.
        byte[] huge = bytes.clone();
        java.nio.ByteBuffer.wrap(huge).putInt(2, 1 << 20).putInt(10, 1 << 10);
        assertThatThrownBy(() -> TrajectoryPca.heapify(huge)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("more than the 16777216 a state may hold");
        byte[] morePositionsThanPoints = bytes.clone();
        java.nio.ByteBuffer.wrap(morePositionsThanPoints).putLong(14, 1);
        assertThatThrownBy(() -> TrajectoryPca.heapify(morePositionsThanPoints)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("kept positions for 1 points");
        byte[] weights = bytes.clone();
        java.nio.ByteBuffer.wrap(weights).putLong(14, 10);
        assertThatThrownBy(() -> TrajectoryPca.heapify(weights)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("weights add up to 9, not to the 10 points");
        assertThatThrownBy(() -> new TrajectoryPca(1, TrajectoryPca.MAX_SKETCH_ROWS + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sketch rows");
        assertThatThrownBy(() -> new TrajectoryPca(1, 2, TrajectoryPca.MAX_POSITIONS + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positions");
        // A very large space keeps fewer positions, so that its state can be written; beyond even 2 and 2, it cannot.
        TrajectoryPca large = new TrajectoryPca(1 << 18, 16, 64);
        assertThat(large.positions()).isEqualTo(64 - 2 * 10);
        try {
            assertThat(TrajectoryPca.heapify(large.toByteArray()).positions()).isEqualTo(44);
        } catch (StateFormatException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> new TrajectoryPca(1 << 23, 2, 2).toByteArray()).hasMessageContaining("beyond what a state may hold");
    }

    @Test
    void badVersionOneStatesAreFormatErrors() {
        TrajectoryPca pca = TrajectoryPca.versionOne(3, 2);
        Random r = new Random(6);
        float[] pos = new float[3];
        for (int t = 0; t < 6; t++) {
            pca.update(point(r, pos));
        }
        byte[] bytes = pca.toByteArray();
        assertThat(bytes[0]).isEqualTo((byte) 1);
        StateChecks.assertFormatChecks("TrajectoryPca", bytes, TrajectoryPca::heapify, 1, 2);
        StateChecks.assertFormatChecks("TrajectoryPca", TrajectoryPca.versionOne(2, 2).toByteArray(), TrajectoryPca::heapify, 1, 2);
        byte[] huge = bytes.clone();
        java.nio.ByteBuffer.wrap(huge).putInt(2, 1 << 20).putInt(6, 1 << 10);
        assertThatThrownBy(() -> TrajectoryPca.heapify(huge)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("more than the 16777216 a state may hold");
        byte[] moreRowsThanPoints = bytes.clone();
        java.nio.ByteBuffer.wrap(moreRowsThanPoints).putLong(10, 1);
        assertThatThrownBy(() -> TrajectoryPca.heapify(moreRowsThanPoints)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("rows in use from only 1 points");
        assertThatThrownBy(() -> TrajectoryPca.versionOne(1, TrajectoryPca.MAX_PERSISTED_ROWS + 1).toByteArray())
                .hasMessageContaining("beyond what a state may hold");
    }

    @Test
    void versionsDoNotMerge() {
        TrajectoryPca two = new TrajectoryPca(3, 2);
        assertThatThrownBy(() -> two.merge(TrajectoryPca.versionOne(3, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 1");
    }

    /** Ten points of a drifting walk in R^5, the fixtures' content. */
    static TrajectoryPca goldenPoints(TrajectoryPca pca) {
        Random r = new Random(20260104);
        float[] pos = new float[5];
        for (int t = 0; t < 10; t++) {
            pca.update(point(r, pos));
        }
        return pca;
    }

    /** Version 2 with 4 kept positions and 2 sketch rows: ten points make merges and a truncation. */
    static TrajectoryPca goldenConstruction() {
        return goldenPoints(new TrajectoryPca(5, 2, 4));
    }

    /** The previous release's PCA (Frequent Directions, 3 rows) of the same points. */
    static TrajectoryPca goldenVersionOneConstruction() {
        return goldenPoints(TrajectoryPca.versionOne(5, 3));
    }

    /**
     * A checkpoint of the previous release restores: the v1 fixture (written by that release) reads
     * as a version 1 PCA, gives what that release gave, continues the same, and is written back
     * byte for byte.
     */
    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        TrajectoryPca expected = goldenVersionOneConstruction();
        byte[] fixture = StateChecks.golden("trajectory-pca.bin", expected.toByteArray());
        assertThat(fixture).isEqualTo(expected.toByteArray());
        TrajectoryPca restored = TrajectoryPca.heapify(fixture);
        assertThat(restored.isVersionOne()).isTrue();
        assertThat(restored.count()).isEqualTo(10);
        assertThat(restored.result(2).explainedVarianceRatios()).hasSize(2);
        assertThat(restored.result(1).explainedVarianceRatios()[0]).isGreaterThan(0.5);
        float[] probe = {1, 2, 3, 4, 5};
        assertSameResults(restored, expected, probe);
        restored.update(probe);
        expected.update(probe);
        assertSameResults(restored, expected, probe);
        assertThat(restored.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void goldenV2FixtureReads() throws StateFormatException {
        TrajectoryPca expected = goldenConstruction();
        assertThat(expected.isExact()).as("the fixture covers merged positions").isFalse();
        TrajectoryPca restored = TrajectoryPca.heapify(StateChecks.golden(2, "trajectory-pca.bin", expected.toByteArray()));
        assertThat(restored.isVersionOne()).isFalse();
        assertThat(restored.count()).isEqualTo(10);
        assertThat(restored.result(1).explainedVarianceRatios()[0]).isGreaterThan(0.5);
        float[] probe = {1, 2, 3, 4, 5};
        assertSameResults(restored, expected, probe);
        restored.update(probe);
        expected.update(probe);
        assertSameResults(restored, expected, probe);
    }

    @Test
    void writerWritesVersion2() {
        assertThat(TrajectoryPca.SERIAL_VERSION).isEqualTo(2);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden(2, "trajectory-pca.bin", goldenConstruction().toByteArray()));
    }
}
