package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The pure parts of {@code canyon bench latency}: accounting steps from poll results, and percentiles. */
class LatencyAccountingTest {
    private static final long MS = 1_000_000L;

    @Test
    void aPollAccountsEveryUnseenStepUpToTheStoredOneAtThePollTime() {
        LatencyAccounting acc = new LatencyAccounting(2, 3);
        acc.published(0, 1, 100 * MS, 1000);
        acc.published(1, 1, 110 * MS, 1010);
        acc.published(0, 2, 120 * MS, 1020);
        acc.published(1, 2, 130 * MS, 1030);
        assertThat(acc.oldestUnseenEventMs()).isEqualTo(1000);

        // Poll at 150 ms: run 0 has step 2 stored, run 1 nothing yet.
        assertThat(acc.visible(0, 2, 150 * MS)).isEqualTo(2);
        assertThat(acc.seen(0)).isEqualTo(2);
        assertThat(acc.oldestUnseenEventMs()).isEqualTo(1010);
        // A later poll that still reports step 2 (or less) adds nothing.
        assertThat(acc.visible(0, 2, 170 * MS)).isZero();
        assertThat(acc.visible(0, 1, 170 * MS)).isZero();
        // Run 1's step 1 at 200 ms.
        assertThat(acc.visible(1, 1, 200 * MS)).isEqualTo(1);

        assertThat(acc.sortedLatenciesMs()).containsExactly(30.0, 50.0, 90.0);
        assertThat(acc.counted()).isEqualTo(3);
        assertThat(acc.complete()).isFalse();

        acc.published(0, 3, 300 * MS, 1100);
        acc.published(1, 3, 300 * MS, 1100);
        acc.visible(1, 3, 400 * MS);
        acc.visible(0, 3, 350 * MS);
        assertThat(acc.complete()).isTrue();
        assertThat(acc.oldestUnseenEventMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(acc.sortedLatenciesMs()).containsExactly(30.0, 50.0, 50.0, 90.0, 100.0, 270.0);
    }

    @Test
    void aStepStoredBeforeItsPublicationOrBeyondTheRunIsAnError() {
        LatencyAccounting acc = new LatencyAccounting(1, 2);
        acc.published(0, 1, 5 * MS, 1);
        assertThatThrownBy(() -> acc.visible(0, 2, 10 * MS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before it was published");
        assertThatThrownBy(() -> acc.visible(0, 3, 10 * MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencyAccounting(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unpublishedStepsDoNotHoldBackTheOldestUnseenEventTime() {
        LatencyAccounting acc = new LatencyAccounting(2, 2);
        assertThat(acc.oldestUnseenEventMs()).isEqualTo(Long.MAX_VALUE);
        acc.published(1, 1, MS, 42);
        assertThat(acc.oldestUnseenEventMs()).isEqualTo(42);
    }

    @Test
    void percentilesAreNearestRank() {
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertThat(LatencyAccounting.percentile(hundred, 50)).isEqualTo(50.0);
        assertThat(LatencyAccounting.percentile(hundred, 99)).isEqualTo(99.0);
        assertThat(LatencyAccounting.percentile(hundred, 100)).isEqualTo(100.0);
        assertThat(LatencyAccounting.percentile(new double[] {7}, 1)).isEqualTo(7.0);
        assertThat(LatencyAccounting.percentile(new double[] {1, 2, 3}, 50)).isEqualTo(2.0);
        assertThat(LatencyAccounting.percentile(new double[] {1, 2, 3, 4}, 50)).isEqualTo(2.0);
        assertThat(LatencyAccounting.percentile(new double[] {1, 2, 3, 4}, 99)).isCloseTo(4.0, within(0.0));
        assertThat(LatencyAccounting.percentile(new double[0], 50)).isNaN();
        assertThatThrownBy(() -> LatencyAccounting.percentile(hundred, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
