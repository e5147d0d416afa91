package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The progress line's words: exact integer percent, a rate and a time remaining only once they mean something. */
class ProgressBarTest {

    @Test
    void percentIsTheExactIntegerPartNotTens() {
        assertThat(ProgressBar.line("train", 2, 11, 0.5, "")).isEqualTo("train  18% 2/11");
        assertThat(ProgressBar.line("train", 999, 1000, 0.5, "")).startsWith("train  99% 999/1000");
        assertThat(ProgressBar.line("train", 0, 1000, 0, "")).isEqualTo("train   0% 0/1000");
    }

    @Test
    void noRateOrEtaBeforeASecondAndAFewItems() {
        // The first tick: one item after 10 microseconds would be "100000/s".
        assertThat(ProgressBar.line("train", 1, 1000, 1e-5, "")).isEqualTo("train   0% 1/1000").doesNotContain("/s");
        // Many items, but not yet a second.
        assertThat(ProgressBar.line("read", 500, 1000, 0.9, "")).doesNotContain("/s").doesNotContain("ETA");
        // A second, but too few items.
        assertThat(ProgressBar.line("train", 2, 1000, 5, "")).doesNotContain("/s").doesNotContain("ETA");
    }

    @Test
    void rateAndTimeRemainingOnceMeaningful() {
        // 300 of 1000 in 6 s: 50/s, 700 left: 14 s.
        assertThat(ProgressBar.line("train", 300, 1000, 6, "")).isEqualTo("train  30% 300/1000  50.0/s  ETA 14s");
        // 10 of 100 in 100 s: 0.1/s, 90 left: 900 s = 15 min.
        assertThat(ProgressBar.line("grid", 10, 100, 100, "")).isEqualTo("grid  10% 10/100  0.100/s  ETA 15m00s");
        // 1,000 of 1,000,000 in 2 s: 500/s, 999,000 left: 1998 s = 33m18s.
        assertThat(ProgressBar.line("read", 1000, 1_000_000, 2, "")).endsWith("500/s  ETA 33m18s");
        assertThat(ProgressBar.line("read", 1000, 10_000_000, 1, "")).endsWith("1000/s  ETA 2h46m");
    }

    @Test
    void doneSaysHowLongItTookAndDetailComesLast() {
        assertThat(ProgressBar.line("store", 1000, 1000, 75.4, "")).isEqualTo("store 100% 1000/1000  done in 1m15s");
        assertThat(ProgressBar.line("store", 1200, 1000, 3, "x")).isEqualTo("store 100% 1000/1000  done in 3s  x");
        assertThat(ProgressBar.line("train", 300, 1000, 6, "loss 0.4")).endsWith("ETA 14s  loss 0.4");
    }
}
