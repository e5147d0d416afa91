package dev.canyon.kernels.crossrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrossRunDistancesTest {

    /** Three runs at one step: each pair once, with its Euclidean distance, whatever the arrival order. */
    @Test
    void everyPairOnceWithItsDistance() {
        CrossRunDistances d = new CrossRunDistances(4);
        List<CrossRunDistances.Pair> pairs = new ArrayList<>();
        pairs.addAll(d.add("c", 10, 3, new float[] {0, 0, 12}));
        pairs.addAll(d.add("a", 10, 1, new float[] {0, 0, 0}));
        pairs.addAll(d.add("b", 10, 2, new float[] {3, 4, 0}));
        pairs.addAll(d.add("b", 10, 2, new float[] {3, 4, 0}));
        assertThat(pairs).hasSize(3);
        assertThat(pairs).anySatisfy(p -> {
            assertThat(p.run()).isEqualTo("a");
            assertThat(p.other()).isEqualTo("c");
            assertThat(p.distance()).isCloseTo(12, within(1e-12));
            assertThat(p.runEventTimeMs()).isEqualTo(1);
            assertThat(p.otherEventTimeMs()).isEqualTo(3);
        });
        assertThat(pairs).anySatisfy(p -> {
            assertThat(p.run()).isEqualTo("b");
            assertThat(p.other()).isEqualTo("a");
            assertThat(p.distance()).isCloseTo(5, within(1e-12));
        });
        assertThat(pairs).anySatisfy(p -> assertThat(p.distance()).isCloseTo(Math.sqrt(9 + 16 + 144), within(1e-12)));
    }

    /**
     * Each run keeps its first {@code perRun} positions: runs trained one after the other pair
     * exactly as runs trained side by side, and pairs where both are past their limit are skipped.
     */
    @Test
    void pairingDoesNotDependOnHowRunsInterleave() {
        List<CrossRunDistances.Pair> sequential = new ArrayList<>();
        CrossRunDistances a = new CrossRunDistances(2);
        for (long s = 10; s <= 40; s += 10) {
            sequential.addAll(a.add("a", s, 0, new float[] {s}));
        }
        for (long s = 10; s <= 40; s += 10) {
            sequential.addAll(a.add("b", s, 0, new float[] {0}));
        }
        List<CrossRunDistances.Pair> interleaved = new ArrayList<>();
        CrossRunDistances b = new CrossRunDistances(2);
        for (long s = 10; s <= 40; s += 10) {
            interleaved.addAll(b.add("b", s, 0, new float[] {0}));
            interleaved.addAll(b.add("a", s, 0, new float[] {s}));
        }
        assertThat(sequential).extracting(CrossRunDistances.Pair::step, CrossRunDistances.Pair::distance)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(10L, 10.0), org.assertj.core.groups.Tuple.tuple(20L, 20.0));
        assertThat(interleaved).extracting(CrossRunDistances.Pair::step, CrossRunDistances.Pair::distance)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(10L, 10.0), org.assertj.core.groups.Tuple.tuple(20L, 20.0));
        assertThat(a.add("c", 10, 0, new float[] {0, 0})).isEmpty();
    }

    @Test
    void nonFinitePositionsAreRejected() {
        CrossRunDistances d = new CrossRunDistances(2);
        assertThatThrownBy(() -> d.add("a", 1, 0, new float[] {Float.NaN})).hasMessageContaining("not finite");
        assertThat(d.keptSteps()).isZero();
    }
}
