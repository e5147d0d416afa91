package dev.canyon.kernels.crossrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The persisted state: a restored kernel returns exactly the pairs of the original, in the same
 * order (Pair is a record: its equals compares the distance exactly).
 */
class CrossRunDistancesStateTest {

    static float[] theta(Random r, int k) {
        float[] x = new float[k];
        for (int i = 0; i < k; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Run names; with {@code colliding}, many share one hash code ("Aa" and "BB" hash alike), which fills one map bin. */
    static List<String> runs(Random r, int n, boolean colliding) {
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (colliding && i < 32) {
                StringBuilder b = new StringBuilder();
                for (int bit = 0; bit < 5; bit++) {
                    b.append((i >> bit & 1) == 0 ? "Aa" : "BB");
                }
                runs.add(b.toString());
            } else {
                runs.add("run-" + Long.toHexString(r.nextLong()));
            }
        }
        return runs;
    }

    static void feed(Random r, List<String> runs, int count, CrossRunDistances... kernels) {
        for (int c = 0; c < count; c++) {
            String run = runs.get(r.nextInt(runs.size()));
            long step = 50L * r.nextInt(12);
            long time = r.nextLong();
            float[] theta = theta(r, r.nextInt(30) == 0 ? 3 : 4); // now and then a position of another dimension
            List<CrossRunDistances.Pair> first = kernels[0].add(run, step, time, theta);
            for (CrossRunDistances k : kernels) {
                if (k != kernels[0]) {
                    assertThat(k.add(run, step, time, theta)).as("pairs of %s at %d", run, step).isEqualTo(first);
                }
            }
            for (CrossRunDistances k : kernels) {
                assertThat(k.keptSteps()).isEqualTo(kernels[0].keptSteps());
            }
        }
    }

    @Test
    void restoredCopyContinuesExactlyInTheSameOrder() throws StateFormatException {
        for (long seed = 1; seed <= 8; seed++) {
            Random r = new Random(seed);
            List<String> runs = runs(r, 5 + r.nextInt(60), seed % 2 == 0);
            CrossRunDistances original = new CrossRunDistances(1 + r.nextInt(6));
            feed(r, runs, r.nextInt(400), original);
            CrossRunDistances restored = CrossRunDistances.heapify(original.toByteArray());
            assertThat(restored.keptSteps()).isEqualTo(original.keptSteps());
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
            feed(r, runs, 400, original, restored);
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
    }

    /**
     * Pairs come in the order of a HashMap, and re-inserting the runs in that order reproduces it,
     * except in a bin of 8 or more runs (a tree bin, here 32 runs with one hash code), whose order
     * depends on the order the runs arrived in: there the same pairs come, in an order that may
     * differ (as it did with Kryo, which also re-inserts in iteration order).
     */
    @Test
    void collidingRunNamesGiveTheSamePairs() throws StateFormatException {
        for (long seed = 1; seed <= 4; seed++) {
            Random r = new Random(seed);
            List<String> runs = runs(r, 40, true);
            java.util.Collections.shuffle(runs, r);
            CrossRunDistances original = new CrossRunDistances(1);
            for (String run : runs) {
                original.add(run, 0, 0, theta(r, 2));
            }
            CrossRunDistances restored = CrossRunDistances.heapify(original.toByteArray());
            float[] x = theta(r, 2);
            List<CrossRunDistances.Pair> pairs = original.add("late", 0, 0, x);
            assertThat(pairs).hasSize(40);
            assertThat(restored.add("late", 0, 0, x)).containsExactlyInAnyOrderElementsOf(pairs);
        }
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        CrossRunDistances restored = CrossRunDistances.heapify(new CrossRunDistances(2).toByteArray());
        assertThat(restored.keptSteps()).isZero();
        assertThat(restored.add("a", 1, 0, new float[] {0})).isEmpty();
        assertThat(restored.add("b", 1, 0, new float[] {3})).singleElement().satisfies(p -> assertThat(p.distance()).isEqualTo(3));
    }

    /** The per-run limit survives the round trip: a run that kept its positions keeps no more. */
    @Test
    void perRunLimitIsRestored() throws StateFormatException {
        CrossRunDistances d = new CrossRunDistances(1);
        d.add("a", 10, 0, new float[] {0});
        CrossRunDistances restored = CrossRunDistances.heapify(d.toByteArray());
        restored.add("a", 20, 0, new float[] {0});
        assertThat(restored.add("b", 20, 0, new float[] {1})).isEmpty();
        assertThat(restored.keptSteps()).isEqualTo(2);
    }

    @Test
    void badStatesAreFormatErrors() {
        CrossRunDistances d = new CrossRunDistances(2);
        d.add("a", 10, 1, new float[] {1, 2});
        d.add("b", 10, 2, new float[] {3, 4});
        d.add("a", 20, 3, new float[] {5, 6});
        byte[] bytes = d.toByteArray();
        StateChecks.assertFormatChecks("CrossRunDistances", bytes, CrossRunDistances::heapify);
        StateChecks.assertFormatChecks("CrossRunDistances", new CrossRunDistances(1).toByteArray(), CrossRunDistances::heapify);
        byte[] limit = bytes.clone();
        java.nio.ByteBuffer.wrap(limit).putInt(2, 1);
        assertThatThrownBy(() -> CrossRunDistances.heapify(limit)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("more than the 1 positions a run keeps");
        CrossRunDistances nan = new CrossRunDistances(1);
        nan.add("a", 10, 1, new float[] {1});
        byte[] notFinite = nan.toByteArray();
        java.nio.ByteBuffer.wrap(notFinite).putFloat(notFinite.length - 4, Float.NaN);
        assertThatThrownBy(() -> CrossRunDistances.heapify(notFinite)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("not finite");
    }

    static CrossRunDistances goldenConstruction() {
        CrossRunDistances d = new CrossRunDistances(2);
        Random r = new Random(20260106);
        for (String run : List.of("run-a", "run-b", "run-c")) {
            for (long step = 50; step <= 150; step += 50) {
                d.add(run, step, 1_700_000_000_000L + step, theta(r, 3));
            }
        }
        return d;
    }

    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        CrossRunDistances expected = goldenConstruction();
        CrossRunDistances restored = CrossRunDistances.heapify(StateChecks.golden("cross-run-distances.bin", expected.toByteArray()));
        assertThat(restored.keptSteps()).isEqualTo(2);
        float[] theta = {1, 2, 3};
        List<CrossRunDistances.Pair> pairs = restored.add("run-d", 100, 5, theta);
        assertThat(pairs).extracting(CrossRunDistances.Pair::other).containsExactlyInAnyOrder("run-a", "run-b", "run-c");
        assertThat(pairs).filteredOn(p -> p.other().equals("run-b")).singleElement()
                .satisfies(p -> assertThat(p.otherEventTimeMs()).isEqualTo(1_700_000_000_100L));
        assertThat(pairs).isEqualTo(expected.add("run-d", 100, 5, theta));
        assertThat(restored.add("run-d", 150, 5, theta)).isEmpty();
    }

    @Test
    void writerStillWritesVersion1() {
        assertThat(CrossRunDistances.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray())
                .isEqualTo(StateChecks.golden("cross-run-distances.bin", goldenConstruction().toByteArray()));
    }
}
