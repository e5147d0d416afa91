package dev.canyon.kernels.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.kernels.stall.StallDetector.Alert;
import dev.canyon.kernels.stall.StallDetector.Kind;
import dev.canyon.kernels.stall.StallDetector.State;
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
        assertThatThrownBy(() -> DEFAULTS.withSpikes(7, 6)).hasMessageContaining("spike window must be 8 to 8192 steps, got 7");
        assertThatThrownBy(() -> DEFAULTS.withSpikes(8193, 6)).hasMessageContaining("got 8193");
        assertThatThrownBy(() -> DEFAULTS.withSpikes(128, 0.5)).hasMessageContaining("spike sigmas must be a finite number >= 1, got 0.5");
        assertThatThrownBy(() -> DEFAULTS.withSpikes(128, Double.NaN)).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> DEFAULTS.withSpikes(128, Double.POSITIVE_INFINITY)).hasMessageContaining("got Infinity");
        assertThat(DEFAULTS.spikeWindowSteps()).isEqualTo(128);
        assertThat(DEFAULTS.spikeSigmas()).isEqualTo(6.0);
    }

    /** Healthy noisy loss and gradient norm, window 128 and 6 sigma: 5 seeds of 2,000 steps, not one spike alert. */
    @Test
    void healthyNoisyRunRaisesNoSpike() {
        for (long seed = 1; seed <= 5; seed++) {
            Random r = new Random(seed);
            StallDetector d = new StallDetector(DEFAULTS);
            List<Alert> alerts = new ArrayList<>();
            for (int t = 1; t <= 2000; t++) {
                double loss = 2.3 * Math.exp(-t / 700.0) + 0.2 + 0.05 * r.nextGaussian();
                double grad = 1.5 * Math.exp(-t / 1500.0) + 0.5 + 0.05 * r.nextGaussian();
                alerts.addAll(d.onStep(t, 10L * t, loss, grad));
            }
            assertThat(alerts).as("seed " + seed).isEmpty();
        }
    }

    /** The spike alerts among {@code alerts}. */
    private static List<Alert> spikes(List<Alert> alerts) {
        return alerts.stream().filter(a -> a.kind() == Kind.LOSS_SPIKE || a.kind() == Kind.GRADIENT_SPIKE).toList();
    }

    /** A detector with the defaults after {@code steps} steps of loss 1 ± 0.01 and gradient norm 2 ± 0.1 (no alert). */
    private static StallDetector noisy(int steps, long seed) {
        Random r = new Random(seed);
        StallDetector d = new StallDetector(DEFAULTS);
        for (int t = 1; t <= steps; t++) {
            assertThat(d.onStep(t, t, 1 + 0.01 * r.nextGaussian(), 2 + 0.1 * r.nextGaussian())).as("step %d", t).isEmpty();
        }
        return d;
    }

    /**
     * A planted loss spike opens exactly one LOSS_SPIKE whose evidence names the value, the window's
     * geometric mean, the σ of its logarithms and the threshold; the next normal step resolves it.
     */
    @Test
    void aLossSpikeOpensOnceAndTheNextNormalStepResolvesIt() {
        StallDetector d = noisy(200, 3);
        double[] logs = d.state().recentLosses().stream().mapToDouble(Math::log).toArray();
        double mean = java.util.Arrays.stream(logs).sum() / 128;
        double sigma = Math.sqrt(java.util.Arrays.stream(logs).map(x -> (x - mean) * (x - mean)).sum() / 128);
        double threshold = Math.exp(mean + 6 * sigma);
        // Just below the threshold: nothing; just above: a spike.
        assertThat(noisy(200, 3).onStep(201, 201, threshold * (1 - 1e-9), 2)).isEmpty();
        List<Alert> opened = d.onStep(201, 201, threshold * (1 + 1e-9), 2);
        java.util.Locale root = java.util.Locale.ROOT;
        assertThat(opened).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.LOSS_SPIKE);
            assertThat(a.open()).isTrue();
            assertThat(a.step()).isEqualTo(201);
            assertThat(a.evidence()).isEqualTo(String.format(root, "loss %.6g at step 201 is 6.00 sigma above the mean of log loss "
                    + "over the last 128 steps (geometric mean %.6g, sigma of log %.4g; threshold geometric mean x exp(6.00 sigma) = %.6g)",
                    threshold * (1 + 1e-9), Math.exp(mean), sigma, threshold));
        });
        assertThat(d.isOpen(Kind.LOSS_SPIKE)).isTrue();
        List<Alert> resolved = d.onStep(202, 202, 1.0, 2);
        assertThat(resolved).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.LOSS_SPIKE);
            assertThat(a.open()).isFalse();
            assertThat(a.step()).isEqualTo(202);
            assertThat(a.evidence()).startsWith("loss 1.00000 at step 202 back at or below geometric mean x exp(6.00 sigma) = ");
        });
        for (int t = 203; t <= 600; t++) {
            assertThat(spikes(d.onStep(t, t, 1.0, 2))).as("step %d", t).isEmpty();
        }
    }

    /**
     * Raw minibatch losses are right-skewed: draws 2.5 to 3 times their median come up by chance. On
     * the log scale a log-normal loss (σ of log 0.25, like Fashion-MNIST minibatches) stays quiet over
     * 20,000 steps although its raw values pass 6 raw sigma; ten times the loss is a spike.
     */
    @Test
    void aSkewedButHealthyLossStaysQuietOnTheLogScale() {
        Random r = new Random(12);
        StallDetector d = new StallDetector(DEFAULTS);
        double[] raw = new double[20_000];
        for (int t = 1; t <= raw.length; t++) {
            raw[t - 1] = 0.5 * Math.exp(0.25 * r.nextGaussian());
            assertThat(spikes(d.onStep(t, t, raw[t - 1], 1.5 * Math.exp(0.33 * r.nextGaussian())))).as("step %d", t).isEmpty();
        }
        double worst = 0;
        for (int t = 128; t < raw.length; t++) {
            double mean = 0;
            for (int i = t - 128; i < t; i++) {
                mean += raw[i] / 128;
            }
            double var = 0;
            for (int i = t - 128; i < t; i++) {
                var += (raw[i] - mean) * (raw[i] - mean) / 128;
            }
            worst = Math.max(worst, (raw[t] - mean) / Math.sqrt(var));
        }
        assertThat(worst).as("largest raw z-score").isGreaterThan(6);
        assertThat(d.onStep(20_001, 20_001, 5.0, 1.5)).extracting(Alert::kind).containsExactly(Kind.LOSS_SPIKE);
    }

    /** A window holding a value <= 0 (a loss that can be negative) is judged on the values themselves, and says so. */
    @Test
    void aWindowWithValuesAtOrBelowZeroIsJudgedLinearly() {
        Random r = new Random(13);
        StallDetector d = new StallDetector(DEFAULTS);
        for (int t = 1; t <= 300; t++) {
            assertThat(spikes(d.onStep(t, t, -1 + 0.1 * r.nextGaussian(), 2 + 0.1 * r.nextGaussian()))).isEmpty();
        }
        assertThat(d.onStep(301, 301, 0.5, 2)).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.LOSS_SPIKE);
            assertThat(a.evidence()).startsWith("loss 0.500000 at step 301 is ").contains(" sigma above the mean -")
                    .contains("threshold mean + 6.00 sigma = ").endsWith("; linear scale: 128 of the window's values <= 0)");
        });
        assertThat(d.onStep(302, 302, -1, 2)).singleElement().satisfies(a -> assertThat(a.evidence()).contains("linear scale"));
        // Against a positive window, a value <= 0 is below everything: no spike, and it resolves one.
        StallDetector positive = noisy(200, 14);
        assertThat(positive.onStep(201, 201, 10, 2)).extracting(Alert::open).containsExactly(true);
        assertThat(positive.onStep(202, 202, -3, 0)).extracting(Alert::kind, Alert::open)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.LOSS_SPIKE, false));
    }

    /** A burst of spiking steps opens one alert: each spike enters the window and lifts the next threshold. */
    @Test
    void aBurstOpensOneAlertThatResolvesWhenTheValueIsBackUnderItsThreshold() {
        StallDetector d = noisy(300, 4);
        List<Alert> alerts = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        // A jump to 1.5 held for 20 steps (50 sigma), then back to 1.
        for (int t = 301; t <= 340; t++) {
            for (Alert a : d.onStep(t, t, t <= 320 ? 1.5 : 1.0, 2)) {
                alerts.add(a);
                at.add((long) t);
            }
        }
        assertThat(alerts).extracting(Alert::kind).containsExactly(Kind.LOSS_SPIKE, Kind.LOSS_SPIKE);
        assertThat(alerts).extracting(Alert::open).containsExactly(true, false);
        assertThat(at.get(0)).isEqualTo(301);
        // Absorbed into the baseline within a few steps: on the log scale, mean + 6 sigma of 124 ones and m values of 1.5
        // passes log 1.5 at m = 4.
        assertThat(at.get(1)).isBetween(302L, 306L);
    }

    /**
     * The price of letting spikes into the window: after a spike of 3, one of 1.5 (still 40 sigma of
     * the noise before) stays unseen while the first is among the last N values, and shows once it has left.
     */
    @Test
    void aSpikeInTheWindowMasksASmallerOneUntilItLeaves() {
        StallDetector d = noisy(200, 5);
        assertThat(d.onStep(201, 201, 3.0, 2)).extracting(Alert::open).containsExactly(true);
        assertThat(d.onStep(202, 202, 1.0, 2)).extracting(Alert::open).containsExactly(false);
        for (int t = 203; t < 250; t++) {
            assertThat(d.onStep(t, t, 1.0, 2)).isEmpty();
        }
        assertThat(d.onStep(250, 250, 1.5, 2)).as("the first spike is in the window").isEmpty();
        for (int t = 251; t <= 330; t++) {
            assertThat(d.onStep(t, t, 1.0, 2)).isEmpty();
        }
        assertThat(d.state().recentLosses()).as("steps 203 to 330").doesNotContain(3.0).contains(1.5);
        assertThat(d.onStep(331, 331, 1.5, 2)).extracting(Alert::kind, Alert::open)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.LOSS_SPIKE, true));
    }

    /** Loss and gradient norm are separate alerts: either alone, or both at one step. */
    @Test
    void gradientSpikesAreTheirOwnAlert() {
        StallDetector d = noisy(200, 6);
        List<Alert> grad = d.onStep(201, 201, 1.0, 20);
        assertThat(grad).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.GRADIENT_SPIKE);
            assertThat(a.evidence()).startsWith("gradient norm 20.0000 at step 201 is ")
                    .contains(" sigma above the mean of log gradient norm over the last 128 steps (geometric mean 1.99")
                    .contains("threshold geometric mean x exp(6.00 sigma) = 2.");
        });
        assertThat(d.onStep(202, 202, 5.0, 2)).extracting(Alert::kind, Alert::open).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.LOSS_SPIKE, true), org.assertj.core.groups.Tuple.tuple(Kind.GRADIENT_SPIKE, false));
        StallDetector both = noisy(200, 6);
        assertThat(both.onStep(201, 201, 5.0, 20)).extracting(Alert::kind).containsExactly(Kind.LOSS_SPIKE, Kind.GRADIENT_SPIKE);
        assertThat(both.onEnd("done")).extracting(Alert::kind, Alert::open, Alert::evidence).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.LOSS_SPIKE, false, "run ended: done"),
                org.assertj.core.groups.Tuple.tuple(Kind.GRADIENT_SPIKE, false, "run ended: done"));
    }

    /** Nothing is judged before the window holds N finite values; non-finite steps neither count nor get judged. */
    @Test
    void noSpikeBeforeTheWindowIsFull() {
        StallDetector d = new StallDetector(DEFAULTS.withSpikes(16, 6));
        for (int t = 1; t <= 15; t++) {
            assertThat(d.onStep(t, t, 1.0, 1.0)).isEmpty();
        }
        assertThat(d.spikeWindowFill()).isEqualTo(15);
        assertThat(d.onStep(16, 16, Double.NaN, 1.0)).extracting(Alert::kind).containsExactly(Kind.DIVERGENCE);
        assertThat(d.spikeWindowFill()).as("a NaN step is not in the window").isEqualTo(15);
        assertThat(d.onStep(17, 17, 1e3, 1e3)).as("15 values: not judged").extracting(Alert::kind).doesNotContain(Kind.LOSS_SPIKE,
                Kind.GRADIENT_SPIKE);
        assertThat(d.spikeWindowFill()).isEqualTo(16);
        // Now judged: 1.0 against a window of fifteen 1s and the 1000.
        assertThat(d.onStep(18, 18, 1.0, 1e6)).extracting(Alert::kind).contains(Kind.GRADIENT_SPIKE).doesNotContain(Kind.LOSS_SPIKE);
    }

    /**
     * The sigma guard: on a constant loss and gradient norm carrying float32 rounding noise (1e-7
     * relative), the sigma of their logarithms is floored at 1e-3: no alert over 5,000 steps, while a
     * jump of 1 % (above exp(6 x 0.001)) opens one, with the floor in its evidence. A window of exact
     * zeros (judged linearly, sigma floored at 1e-3 x |mean| = 0) opens nothing.
     */
    @Test
    void sigmaIsFlooredSoThatRoundingNoiseOnAFlatWindowOpensNothing() {
        Random r = new Random(8);
        StallDetector d = new StallDetector(DEFAULTS);
        for (int t = 1; t <= 5000; t++) {
            float loss = (float) (0.6931 * (1 + 1e-7 * r.nextGaussian()));
            float grad = (float) (1.0 + (r.nextInt(10) == 0 ? Math.ulp(1.0f) : 0));
            assertThat(spikes(d.onStep(t, t, loss, grad))).as("step %d", t).isEmpty();
        }
        assertThat(d.isOpen(Kind.PLATEAU)).as("a flat loss is a plateau, not a spike").isTrue();
        assertThat(spikes(d.onStep(5001, 5001, 0.6931 * 1.003, 1.0))).as("0.3 %: within the floor").isEmpty();
        assertThat(spikes(d.onStep(5002, 5002, 0.6931 * 1.01, 1.0))).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.LOSS_SPIKE);
            assertThat(a.evidence()).contains("sigma of log 0.001000 (floored at 0.00100; measured ");
        });
        StallDetector zeros = new StallDetector(DEFAULTS);
        for (int t = 1; t <= 201; t++) {
            assertThat(spikes(zeros.onStep(t, t, 0.0, t <= 200 ? 0.0 : 1e-3))).isEmpty();
        }
    }

    /** The codes of Kind's Javadoc table; stored alert timestamps use them, so they never change. */
    @Test
    void kindCodesAreTheDocumentedOnesAndUnique() {
        java.util.Map<Kind, Integer> documented = java.util.Map.of(Kind.PLATEAU, 0, Kind.SILENCE, 1, Kind.DIVERGENCE, 2,
                Kind.LOSS_SPIKE, 3, Kind.GRADIENT_SPIKE, 4);
        assertThat(documented.keySet()).containsExactlyInAnyOrder(Kind.values());
        for (Kind k : Kind.values()) {
            assertThat(k.code()).as(k.name()).isEqualTo(documented.get(k));
            assertThat(Kind.fromCode(k.code())).isSameAs(k);
        }
        assertThat(java.util.Arrays.stream(Kind.values()).map(Kind::code)).doesNotHaveDuplicates();
        assertThatThrownBy(() -> Kind.fromCode(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code 5").hasMessageContaining("known codes: 0, 1, 2, 3, 4");
    }
}
