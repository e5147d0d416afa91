package dev.canyon.kernels.stall;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.stall.StallDetector.Alert;
import dev.canyon.kernels.stall.StallDetector.Config;
import dev.canyon.kernels.stall.StallDetector.Kind;
import dev.canyon.kernels.stall.StallDetector.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored detector raises exactly the alerts the original would have. */
class StallDetectorStateTest {
    /** Short patience, silence and spike window so that random input opens and resolves every kind of alert. */
    static final Config CONFIG = new Config(0.3, 15, 1e-3, Duration.ofSeconds(5), 3, 4, 16, 3);

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
            double grad = switch (r.nextInt(40)) {
                case 0 -> Double.POSITIVE_INFINITY;
                case 1, 2 -> 20 + r.nextDouble();
                default -> r.nextDouble();
            };
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
        StateChecks.assertFormatChecks("StallDetector", d.toByteArray(), b -> StallDetector.heapify(b, CONFIG), 1, 2);
        byte[] flags = d.toByteArray();
        flags[2 + 6 * 8] = 32;
        assertThatThrownBy(() -> StallDetector.heapify(flags, CONFIG))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("open-alert flags are 32, expected bits 0 to 4 only");
        // Version 1 had no spike alerts.
        byte[] v1 = StateChecks.goldenFixture(1, "stall-detector.bin");
        v1[2 + 6 * 8] = 8;
        assertThatThrownBy(() -> StallDetector.heapify(v1, CONFIG))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("open-alert flags are 8, expected bits 0 to 2 only");
        // The spike window: its size is bounded, its values finite.
        int size = 2 + 6 * 8 + 1 + 8;
        byte[] huge = d.toByteArray();
        java.nio.ByteBuffer.wrap(huge).putInt(size, StallDetector.MAX_SPIKE_WINDOW + 1);
        assertThatThrownBy(() -> StallDetector.heapify(huge, CONFIG)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("spike window size is 8193, expected 0 to 8192");
        byte[] nan = d.toByteArray();
        assertThat(java.nio.ByteBuffer.wrap(nan).getInt(size)).isEqualTo(16);
        java.nio.ByteBuffer.wrap(nan).putDouble(size + 4 + 8 * 20, Double.NaN);
        assertThatThrownBy(() -> StallDetector.heapify(nan, CONFIG)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("spike window value 4 is not finite");
    }

    /** A window written under a longer spike window keeps its newest values; a shorter one fills up before judging. */
    @Test
    void aChangedSpikeWindowKeepsTheNewestValues() throws StateFormatException {
        StallDetector wide = new StallDetector(CONFIG.withSpikes(64, 3));
        for (int t = 1; t <= 100; t++) {
            wide.onStep(t, t, t, 1000 + t);
        }
        List<Double> all = wide.state().recentLosses();
        assertThat(all).hasSize(64).startsWith(37.0).endsWith(100.0);
        StallDetector narrow = StallDetector.heapify(wide.toByteArray(), CONFIG);
        assertThat(narrow.state().recentLosses()).containsExactlyElementsOf(all.subList(48, 64));
        assertThat(narrow.state().recentGradNorms()).startsWith(1085.0).endsWith(1100.0);
        assertThat(narrow.spikeWindowFill()).isEqualTo(16);
        StallDetector wider = StallDetector.heapify(narrow.toByteArray(), CONFIG.withSpikes(64, 3));
        assertThat(wider.spikeWindowFill()).isEqualTo(16);
        assertThat(wider.onStep(101, 101, 1e6, 1e6)).as("not judged before the wider window is full").isEmpty();
        // (Divergence has been open since the ramp passed 3x its best.)
        assertThat(narrow.onStep(101, 101, 1e6, 1e6)).extracting(Alert::kind).containsExactly(Kind.LOSS_SPIKE, Kind.GRADIENT_SPIKE);
    }

    /**
     * The deterministic detector of the golden fixtures: a plateau is open when it is written; with
     * {@code gradientSpike}, also a gradient spike (at step 91, after a flat gradient norm).
     */
    static StallDetector goldenConstruction(boolean gradientSpike) {
        StallDetector d = new StallDetector(CONFIG);
        Random r = new Random(20260102);
        for (int t = 1; t <= 90; t++) {
            d.onStep(t, 1000L * t, t < 30 ? 2.0 - t * 0.03 + 0.001 * r.nextGaussian() : 1.0, 0.5);
        }
        if (gradientSpike) {
            assertThat(d.onStep(91, 91_000, 1.0, 5.0)).extracting(Alert::kind).containsExactly(Kind.GRADIENT_SPIKE);
        }
        return d;
    }

    /** A version-1 state (written before spike alerts) reads, with an empty spike window and no spike open. */
    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        StallDetector expected = goldenConstruction(false);
        StallDetector restored = StallDetector.heapify(StateChecks.goldenFixture(1, "stall-detector.bin"), CONFIG);
        assertThat(restored.isOpen(Kind.PLATEAU)).isTrue();
        assertThat(restored.state().steps()).isEqualTo(90);
        assertThat(restored.state().lastArrivalMs()).isEqualTo(90_000);
        State e = expected.state();
        assertThat(restored.state()).isEqualTo(new State(e.smoothed(), e.best(), e.stepOfBest(), e.lastStep(), e.lastArrivalMs(),
                e.healthyStreak(), e.plateauOpen(), e.silenceOpen(), e.divergenceOpen(), e.steps()));
        assertThat(restored.spikeWindowFill()).isZero();
        assertThat(restored.isOpen(Kind.LOSS_SPIKE) || restored.isOpen(Kind.GRADIENT_SPIKE)).isFalse();
        assertThat(restored.onStep(91, 91_000, 0.5, 0.5)).isEqualTo(expected.onStep(91, 91_000, 0.5, 0.5)).isNotEmpty();
        // The spike window fills again from the restore on: nothing is judged for its 16 steps.
        for (int t = 92; t < 91 + 16; t++) {
            assertThat(restored.onStep(t, 1000L * t, 0.5, 0.5)).isEmpty();
        }
        assertThat(restored.onStep(107, 107_000, 0.5, 50)).extracting(Alert::kind).containsExactly(Kind.GRADIENT_SPIKE);
    }

    /** The version-2 fixture: a plateau and a gradient spike open, and a full spike window. */
    @Test
    void goldenV2FixtureReads() throws StateFormatException {
        StallDetector expected = goldenConstruction(true);
        StallDetector restored = StallDetector.heapify(StateChecks.golden(2, "stall-detector.bin", expected.toByteArray()), CONFIG);
        assertThat(restored.isOpen(Kind.PLATEAU)).isTrue();
        assertThat(restored.isOpen(Kind.GRADIENT_SPIKE)).isTrue();
        assertThat(restored.spikeWindowFill()).isEqualTo(16);
        assertThat(restored.state().recentGradNorms()).endsWith(0.5, 5.0);
        assertThat(restored.state()).isEqualTo(expected.state());
        assertThat(restored.onStep(92, 92_000, 0.5, 0.5)).isEqualTo(expected.onStep(92, 92_000, 0.5, 0.5))
                .extracting(Alert::kind).containsExactly(Kind.GRADIENT_SPIKE, Kind.PLATEAU);
    }

    @Test
    void writerWritesVersion2() {
        assertThat(StallDetector.SERIAL_VERSION).isEqualTo(2);
        assertThat(goldenConstruction(true).toByteArray())
                .isEqualTo(StateChecks.golden(2, "stall-detector.bin", goldenConstruction(true).toByteArray()));
    }
}
