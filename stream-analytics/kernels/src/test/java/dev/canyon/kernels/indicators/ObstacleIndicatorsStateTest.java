package dev.canyon.kernels.indicators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.indicators.ObstacleIndicators.StepInput;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The persisted state: a restored window gives exactly the indicators of the original, now and
 * after further steps. (Window is a record: its equals compares every double exactly.)
 */
class ObstacleIndicatorsStateTest {

    static StepInput step(Random r, long t) {
        return new StepInput(t, 1 + r.nextGaussian(), 16 + r.nextInt(64), r.nextInt(20) == 0 ? 0 : Math.abs(r.nextGaussian()),
                r.nextInt(20) == 0 ? 0 : 0.01 * Math.abs(r.nextGaussian()), r.nextGaussian() * 1e-3, r.nextGaussian(),
                r.nextGaussian() * 1e-3);
    }

    @Test
    void restoredCopyContinuesExactly() throws StateFormatException {
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            int window = 2 + r.nextInt(60);
            ObstacleIndicators original = new ObstacleIndicators(window);
            long t = 0;
            for (int k = r.nextInt(150); k > 0; k--) {
                t += r.nextInt(5) == 0 ? 2 : 1; // gaps: not every pair is consecutive
                original.update(step(r, t));
            }
            ObstacleIndicators restored = ObstacleIndicators.heapify(original.toByteArray());
            assertThat(restored.size()).isEqualTo(original.size());
            assertThat(restored.isFull()).isEqualTo(original.isFull());
            assertThat(restored.window()).isEqualTo(original.window());
            for (int k = 0; k < 100; k++) {
                t += r.nextInt(5) == 0 ? 2 : 1;
                StepInput s = step(r, t);
                original.update(s);
                restored.update(s);
                assertThat(restored.window()).isEqualTo(original.window());
            }
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        ObstacleIndicators restored = ObstacleIndicators.heapify(new ObstacleIndicators(5).toByteArray());
        assertThat(restored.size()).isZero();
        assertThat(restored.window().meanGradNorm()).isNaN();
        for (int t = 1; t <= 5; t++) {
            restored.update(new StepInput(t, 1, 1, t, 1, 0, 0, 0));
        }
        assertThat(restored.isFull()).as("the window was restored too").isTrue();
    }

    @Test
    void badStatesAreFormatErrors() {
        ObstacleIndicators ind = new ObstacleIndicators(4);
        Random r = new Random(5);
        for (int t = 1; t <= 6; t++) {
            ind.update(step(r, t));
        }
        byte[] bytes = ind.toByteArray();
        StateChecks.assertFormatChecks("ObstacleIndicators", bytes, ObstacleIndicators::heapify);
        byte[] tooMany = bytes.clone();
        tooMany[2 + 4 + 3] = 5; // n = 5 in a window of 4
        assertThatThrownBy(() -> ObstacleIndicators.heapify(tooMany)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("steps held is 5, expected 0 to 4");
        byte[] huge = bytes.clone();
        huge[2] = 0x7F; // a window of two billion steps
        assertThatThrownBy(() -> ObstacleIndicators.heapify(huge)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("window is");
        byte[] backwards = bytes.clone();
        java.nio.ByteBuffer.wrap(backwards).putLong(2 + 8, 99); // first step after its successors
        assertThatThrownBy(() -> ObstacleIndicators.heapify(backwards)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("inconsistent").hasMessageContaining("after step 99");
    }

    static ObstacleIndicators goldenConstruction() {
        Random r = new Random(20260103);
        ObstacleIndicators ind = new ObstacleIndicators(8);
        for (int t = 1; t <= 11; t++) {
            ind.update(step(r, t));
        }
        return ind;
    }

    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        ObstacleIndicators expected = goldenConstruction();
        ObstacleIndicators restored = ObstacleIndicators.heapify(StateChecks.golden("obstacle-indicators.bin", expected.toByteArray()));
        assertThat(restored.size()).isEqualTo(8);
        assertThat(restored.window().lastStep()).isEqualTo(11);
        assertThat(restored.window()).isEqualTo(expected.window());
        StepInput next = step(new Random(1), 12);
        restored.update(next);
        expected.update(next);
        assertThat(restored.window()).isEqualTo(expected.window());
    }

    @Test
    void writerStillWritesVersion1() {
        assertThat(ObstacleIndicators.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden("obstacle-indicators.bin", goldenConstruction().toByteArray()));
    }
}
