package dev.canyon.kernels.stall;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.stall.StallDetector.Alert;
import dev.canyon.kernels.stall.StallDetector.Config;
import dev.canyon.kernels.stall.StallDetector.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored detector raises exactly the alerts the original would have. */
class StallDetectorStateTest {
    /** Short patience and silence so that random input opens and resolves every kind of alert. */
    static final Config CONFIG = new Config(0.3, 15, 1e-3, Duration.ofSeconds(5), 3, 4);

    /** Drives both detectors through the same random stretch: plateaus, spikes, NaNs, gaps, clock ticks, an end. */
    static List<Alert> drive(Random r, long fromStep, int steps, StallDetector... detectors) {
        List<Alert> first = new ArrayList<>();
        long time = 1_000_000 + 1_000 * fromStep;
        for (long t = fromStep; t < fromStep + steps; t++) {
            time += r.nextInt(10) == 0 ? 7_000 : 1_000;
            double loss = switch (r.nextInt(12)) {
                case 0 -> Double.NaN;
                case 1 -> 50 + r.nextDouble();
                case 2, 3, 4 -> 1.0;
                default -> Math.exp(-t / 80.0) + 0.01 * r.nextGaussian();
            };
            double grad = r.nextInt(40) == 0 ? Double.POSITIVE_INFINITY : r.nextDouble();
            long tick = time + r.nextInt(9_000);
            boolean end = r.nextInt(150) == 0;
            List<List<Alert>> each = new ArrayList<>();
            for (StallDetector d : detectors) {
                List<Alert> out = new ArrayList<>(d.onStep(t, time, loss, grad));
                out.addAll(d.onClock(tick));
                if (end) {
                    out.addAll(d.onEnd("test end"));
                }
                each.add(out);
            }
            for (List<Alert> out : each) {
                assertThat(out).as("alerts at step %d", t).isEqualTo(each.get(0));
            }
            for (StallDetector d : detectors) {
                assertThat(d.state()).isEqualTo(detectors[0].state());
                assertSameBits(d.smoothedLoss(), detectors[0].smoothedLoss(), "smoothed loss");
            }
            first.addAll(each.get(0));
        }
        return first;
    }

    @Test
    void restoredCopyContinuesExactly() throws StateFormatException {
        List<Kind> seen = new ArrayList<>();
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            StallDetector original = new StallDetector(CONFIG);
            drive(r, 1, 50 + r.nextInt(300), original);
            StallDetector restored = StallDetector.heapify(original.toByteArray(), CONFIG);
            assertThat(restored.state()).isEqualTo(original.state());
            for (Kind k : Kind.values()) {
                assertThat(restored.isOpen(k)).isEqualTo(original.isOpen(k));
            }
            drive(r, original.state().lastStep() + 1, 400, original, restored).forEach(a -> seen.add(a.kind()));
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
        assertThat(seen).as("the random input exercises every alert").contains(Kind.values());
    }

    /** The thresholds are the ones passed at restore, not the ones the state was written under. */
    @Test
    void configComesFromTheCaller() throws StateFormatException {
        StallDetector d = new StallDetector(Config.defaults());
        for (int t = 1; t <= 30; t++) {
            d.onStep(t, t, 1.0, 1);
        }
        assertThat(d.isOpen(Kind.PLATEAU)).isFalse();
        StallDetector restored = StallDetector.heapify(d.toByteArray(), CONFIG);
        assertThat(restored.onStep(31, 31, 1.0, 1)).extracting(Alert::kind).containsExactly(Kind.PLATEAU);
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        StallDetector restored = StallDetector.heapify(new StallDetector(CONFIG).toByteArray(), CONFIG);
        assertThat(restored.state()).isEqualTo(new StallDetector(CONFIG).state());
        assertThat(restored.smoothedLoss()).isNaN();
        assertThat(restored.onClock(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void badStatesAreFormatErrors() {
        StallDetector d = new StallDetector(CONFIG);
        drive(new Random(4), 1, 100, d);
        StateChecks.assertFormatChecks("StallDetector", d.toByteArray(), b -> StallDetector.heapify(b, CONFIG));
        byte[] flags = d.toByteArray();
        flags[2 + 6 * 8] = 8;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StallDetector.heapify(flags, CONFIG))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("open-alert flags are 8");
    }

    /** The deterministic detector of the golden fixture: a plateau is open when it is written. */
    static StallDetector goldenConstruction() {
        StallDetector d = new StallDetector(CONFIG);
        Random r = new Random(20260102);
        for (int t = 1; t <= 90; t++) {
            d.onStep(t, 1000L * t, t < 30 ? 2.0 - t * 0.03 + 0.001 * r.nextGaussian() : 1.0, 0.5);
        }
        return d;
    }

    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        StallDetector expected = goldenConstruction();
        StallDetector restored = StallDetector.heapify(StateChecks.golden("stall-detector.bin", expected.toByteArray()), CONFIG);
        assertThat(restored.isOpen(Kind.PLATEAU)).isTrue();
        assertThat(restored.state().steps()).isEqualTo(90);
        assertThat(restored.state().lastArrivalMs()).isEqualTo(90_000);
        assertThat(restored.state()).isEqualTo(expected.state());
        assertThat(restored.onStep(91, 91_000, 0.5, 0.5)).isEqualTo(expected.onStep(91, 91_000, 0.5, 0.5)).isNotEmpty();
    }

    @Test
    void writerStillWritesVersion1() {
        assertThat(StallDetector.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden("stall-detector.bin", goldenConstruction().toByteArray()));
    }
}
