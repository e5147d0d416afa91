package dev.canyon.kernels.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LinearPathSummaryTest {
    static final double[] GRID = grid();

    static double[] grid() {
        double[] a = new double[21];
        for (int i = 0; i < a.length; i++) {
            a[i] = -0.5 + 0.1 * i;
        }
        a[5] = 0;
        a[15] = 1;
        return a;
    }

    @Test
    void convexBowlIsMonotoneWithoutBarrier() {
        double[] loss = new double[GRID.length];
        for (int i = 0; i < loss.length; i++) {
            loss[i] = (GRID[i] - 1.2) * (GRID[i] - 1.2);
        }
        LinearPathSummary s = LinearPathSummary.of(GRID, loss);
        assertThat(s.monotone()).isTrue();
        assertThat(s.barrier()).isZero();
        assertThat(s.startLoss()).isCloseTo(1.44, within(1e-12));
        assertThat(s.endLoss()).isCloseTo(0.04, within(1e-12));
    }

    /** A bump of known height above the chord: L = 1 − α + h·4α(1−α) peaks at α = 0.5 with barrier h. */
    @Test
    void bumpHasItsBarrierHeight() {
        double h = 0.3;
        double[] loss = new double[GRID.length];
        for (int i = 0; i < loss.length; i++) {
            double a = GRID[i];
            loss[i] = 1 - a + h * 4 * a * (1 - a);
        }
        LinearPathSummary s = LinearPathSummary.of(GRID, loss);
        assertThat(s.monotone()).isFalse();
        assertThat(s.barrier()).isCloseTo(h, within(1e-9));
        assertThat(s.barrierAlpha()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void nonFiniteLossOnThePathIsAnInfiniteBarrier() {
        double[] loss = new double[GRID.length];
        java.util.Arrays.fill(loss, 1.0);
        loss[10] = Double.NaN;
        LinearPathSummary s = LinearPathSummary.of(GRID, loss);
        assertThat(s.monotone()).isFalse();
        assertThat(s.barrier()).isInfinite();
        // Outside [0, 1] a NaN is kept in the curve but not judged.
        loss[10] = 1.0;
        loss[0] = Double.NaN;
        assertThat(LinearPathSummary.of(GRID, loss).monotone()).isTrue();
    }

    @Test
    void badGridsAreNamed() {
        assertThatThrownBy(() -> LinearPathSummary.of(new double[] {0, 1}, new double[] {1})).hasMessageContaining("2 alphas but 1 losses");
        assertThatThrownBy(() -> LinearPathSummary.of(new double[] {0, 0}, new double[] {1, 1})).hasMessageContaining("increase strictly");
        assertThat(LinearPathSummary.of(new double[0], new double[0]).monotone()).isTrue();
    }
}
