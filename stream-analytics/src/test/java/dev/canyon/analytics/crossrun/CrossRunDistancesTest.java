package dev.canyon.analytics.crossrun;

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

    /** Only the last {@code steps} aligned steps are kept; a run far behind is not paired. */
    @Test
    void oldStepsAreForgotten() {
        CrossRunDistances d = new CrossRunDistances(2);
        d.add("a", 10, 0, new float[] {1});
        d.add("a", 20, 0, new float[] {2});
        d.add("a", 30, 0, new float[] {3});
        assertThat(d.keptSteps()).isEqualTo(2);
        assertThat(d.add("b", 10, 0, new float[] {0})).isEmpty();
        assertThat(d.add("b", 30, 0, new float[] {0})).singleElement()
                .satisfies(p -> assertThat(p.distance()).isEqualTo(3.0));
        assertThat(d.add("c", 30, 0, new float[] {0, 0})).hasSize(0);
    }

    @Test
    void nonFinitePositionsAreRejected() {
        CrossRunDistances d = new CrossRunDistances(2);
        assertThatThrownBy(() -> d.add("a", 1, 0, new float[] {Float.NaN})).hasMessageContaining("not finite");
        assertThat(d.keptSteps()).isZero();
    }
}
