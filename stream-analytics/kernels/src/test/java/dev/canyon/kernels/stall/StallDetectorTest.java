package dev.canyon.kernels.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.stall.StallDetector.Alert;
import dev.canyon.kernels.stall.StallDetector.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StallDetectorTest {
    static final StallDetector.Config DEFAULTS = StallDetector.Config.defaults();

    /** Decreasing noisy loss for 2,000 steps: no alert at all. */
    @Test
    void healthyRunRaisesNothing() {
        for (long seed = 1; seed <= 5; seed++) {
            Random r = new Random(seed);
            StallDetector d = new StallDetector(DEFAULTS);
            List<Alert> alerts = new ArrayList<>();
            for (int t = 1; t <= 2000; t++) {
                double loss = 2.3 * Math.exp(-t / 700.0) + 0.2 + 0.05 * r.nextGaussian();
                alerts.addAll(d.onStep(t, 10L * t, loss, 1.0));
                alerts.addAll(d.onClock(10L * t + 5));
            }
            assertThat(alerts).as("seed " + seed).isEmpty();
        }
    }

    /**
     * A planted plateau: progress, then 1,500 flat steps, then progress again. Exactly one plateau
     * alert opens, within the patience (500 steps, plus the smoothing's lag of a few 1/0.05 steps)
     * after the loss went flat, and it resolves once when progress resumes.
     */
    @Test
    void plantedPlateauOpensOnceAndResolvesOnce() {
        Random r = new Random(7);
        StallDetector d = new StallDetector(DEFAULTS);
        List<Alert> alerts = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        for (int t = 1; t <= 3000; t++) {
            double loss;
            if (t <= 500) {
                loss = 2.0 - 0.002 * t;
            } else if (t <= 2000) {
                loss = 1.0;
            } else {
                loss = 1.0 - 0.0005 * (t - 2000);
            }
            for (Alert a : d.onStep(t, 10L * t, loss + 0.002 * r.nextGaussian(), 0.5)) {
                alerts.add(a);
                at.add((long) t);
            }
        }
        assertThat(alerts).extracting(Alert::kind).containsExactly(Kind.PLATEAU, Kind.PLATEAU);
        assertThat(alerts).extracting(Alert::open).containsExactly(true, false);
        assertThat(at.get(0)).isBetween(1000L, 1000L + 100);
        assertThat(at.get(1)).isBetween(2000L, 2100L);
        assertThat(alerts.get(0).evidence()).contains("has not improved");
    }

    @Test
    void nanOpensDivergenceOnceAndHealthyStepsResolveIt() {
        StallDetector d = new StallDetector(DEFAULTS);
        for (int t = 1; t <= 100; t++) {
            assertThat(d.onStep(t, t, 1.0 / t, 1)).isEmpty();
        }
        List<Alert> opened = d.onStep(101, 101, Double.NaN, Double.NaN);
        assertThat(opened).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.DIVERGENCE);
            assertThat(a.open()).isTrue();
            assertThat(a.evidence()).contains("non-finite").contains("step 101");
        });
        assertThat(d.onStep(102, 102, Double.POSITIVE_INFINITY, 1)).isEmpty();
        assertThat(d.smoothedLoss()).isFinite();
        List<Alert> later = new ArrayList<>();
        for (int t = 103; t < 103 + 20; t++) {
            later.addAll(d.onStep(t, t, 0.01, 1));
        }
        assertThat(later).singleElement().satisfies(a -> assertThat(a.open()).isFalse());
    }

    @Test
    void explodingLossIsDivergence() {
        StallDetector d = new StallDetector(DEFAULTS);
        List<Alert> alerts = new ArrayList<>();
        for (int t = 1; t <= 200; t++) {
            alerts.addAll(d.onStep(t, t, t <= 100 ? 1.0 : 1e4, 1));
        }
        assertThat(alerts).extracting(Alert::kind).containsExactly(Kind.DIVERGENCE);
        assertThat(alerts.get(0).evidence()).contains("above 10.0 x its best 1.00000");
    }

    @Test
    void silenceOpensAfterTheConfiguredTimeAndResolvesOnTheNextStep() {
        StallDetector d = new StallDetector(DEFAULTS);
        assertThat(d.onClock(1_000_000)).as("no run yet").isEmpty();
        d.onStep(1, 1_000, 1.0, 1);
        assertThat(d.onClock(60_999)).isEmpty();
        assertThat(d.onClock(61_000)).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.SILENCE);
            assertThat(a.evidence()).contains("no step for 60 s after step 1");
        });
        assertThat(d.onClock(200_000)).as("opens once").isEmpty();
        assertThat(d.onStep(2, 200_001, 0.9, 1)).singleElement().satisfies(a -> assertThat(a.open()).isFalse());
    }

    @Test
    void stateRoundTripsForCheckpoints() {
        StallDetector d = new StallDetector(DEFAULTS);
        for (int t = 1; t <= 800; t++) {
            d.onStep(t, t, 1.0, 1);
        }
        StallDetector restored = StallDetector.restore(DEFAULTS, d.state());
        assertThat(restored.state()).isEqualTo(d.state());
        assertThat(restored.isOpen(Kind.PLATEAU)).isTrue();
        assertThat(restored.onStep(801, 801, 1.0, 1)).isEqualTo(d.onStep(801, 801, 1.0, 1));
    }

    @Test
    void badThresholdsAreNamed() {
        assertThatThrownBy(() -> new StallDetector.Config(0, 500, 1e-3, Duration.ofSeconds(60), 10, 20))
                .hasMessageContaining("smoothing must be in (0, 1]");
        assertThatThrownBy(() -> new StallDetector.Config(0.1, 500, 1e-3, Duration.ZERO, 10, 20))
                .hasMessageContaining("silence must be positive");
        assertThatThrownBy(() -> new StallDetector.Config(0.1, 500, 1e-3, Duration.ofSeconds(1), 1, 20))
                .hasMessageContaining("divergence factor must be > 1");
    }

    /** The codes of Kind's Javadoc table; stored alert timestamps use them, so they never change. */
    @Test
    void kindCodesAreTheDocumentedOnesAndUnique() {
        java.util.Map<Kind, Integer> documented = java.util.Map.of(Kind.PLATEAU, 0, Kind.SILENCE, 1, Kind.DIVERGENCE, 2);
        assertThat(documented.keySet()).containsExactlyInAnyOrder(Kind.values());
        for (Kind k : Kind.values()) {
            assertThat(k.code()).as(k.name()).isEqualTo(documented.get(k));
            assertThat(Kind.fromCode(k.code())).isSameAs(k);
        }
        assertThat(java.util.Arrays.stream(Kind.values()).map(Kind::code)).doesNotHaveDuplicates();
        assertThatThrownBy(() -> Kind.fromCode(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code 3").hasMessageContaining("known codes: 0, 1, 2");
    }
}
