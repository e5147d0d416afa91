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

    @Test
    void restoredCopyContinuesBitForBit() throws StateFormatException {
        for (long seed = 1; seed <= 6; seed++) {
            Random r = new Random(seed);
            int k = 1 + r.nextInt(40);
            int rows = 2 + r.nextInt(6);
            TrajectoryPca original = new TrajectoryPca(k, rows);
            float[] pos = new float[k];
            // Any fill of the buffer: before, at and after a shrink.
            for (int t = r.nextInt(5 * rows); t > 0; t--) {
                original.update(point(r, pos));
            }
            TrajectoryPca restored = TrajectoryPca.heapify(original.toByteArray());
            assertSameResults(restored, original, pos);
            for (int t = 0; t < 60; t++) {
                float[] x = point(r, pos);
                original.update(x);
                restored.update(x);
                if (t % 7 == 0) {
                    assertSameResults(restored, original, x);
                }
            }
            TrajectoryPca other = new TrajectoryPca(k, rows);
            for (int t = 0; t < 3 * rows; t++) {
                other.update(point(r, pos));
            }
            original.merge(other);
            restored.merge(TrajectoryPca.heapify(other.toByteArray()));
            assertSameResults(restored, original, pos);
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
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
        TrajectoryPca pca = new TrajectoryPca(3, 2);
        Random r = new Random(6);
        float[] pos = new float[3];
        for (int t = 0; t < 6; t++) {
            pca.update(point(r, pos));
        }
        byte[] bytes = pca.toByteArray();
        StateChecks.assertFormatChecks("TrajectoryPca", bytes, TrajectoryPca::heapify);
        StateChecks.assertFormatChecks("TrajectoryPca", new TrajectoryPca(2, 2).toByteArray(), TrajectoryPca::heapify);
        byte[] huge = bytes.clone();
        java.nio.ByteBuffer.wrap(huge).putInt(2, 1 << 20).putInt(6, 1 << 10);
        assertThatThrownBy(() -> TrajectoryPca.heapify(huge)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("more than the 16777216 a state may hold");
        byte[] moreRowsThanPoints = bytes.clone();
        java.nio.ByteBuffer.wrap(moreRowsThanPoints).putLong(10, 1);
        assertThatThrownBy(() -> TrajectoryPca.heapify(moreRowsThanPoints)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("rows in use from only 1 points");
        assertThatThrownBy(() -> new TrajectoryPca(1, TrajectoryPca.MAX_PERSISTED_ROWS + 1).toByteArray())
                .hasMessageContaining("beyond what a state may hold");
    }

    static TrajectoryPca goldenConstruction() {
        Random r = new Random(20260104);
        TrajectoryPca pca = new TrajectoryPca(5, 3);
        float[] pos = new float[5];
        for (int t = 0; t < 10; t++) {
            pca.update(point(r, pos));
        }
        return pca;
    }

    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        TrajectoryPca expected = goldenConstruction();
        TrajectoryPca restored = TrajectoryPca.heapify(StateChecks.golden("trajectory-pca.bin", expected.toByteArray()));
        assertThat(restored.count()).isEqualTo(10);
        assertThat(restored.result(2).explainedVarianceRatios()).hasSize(2);
        assertThat(restored.result(1).explainedVarianceRatios()[0]).isGreaterThan(0.5);
        float[] probe = {1, 2, 3, 4, 5};
        assertSameResults(restored, expected, probe);
        restored.update(probe);
        expected.update(probe);
        assertSameResults(restored, expected, probe);
    }

    @Test
    void writerStillWritesVersion1() {
        assertThat(TrajectoryPca.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden("trajectory-pca.bin", goldenConstruction().toByteArray()));
    }
}
