package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.kernels.stall.StallDetector.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Loss and gradient-norm spike alerts through the per-run analytics: they come out of the same
 * {@code onStep} as the other stall alerts, as {@link AlertTransition}s with the obstacle state; their
 * window and sigmas are settings (CANYON_SPIKE_WINDOW_STEPS, CANYON_SPIKE_SIGMAS) that a restored
 * state adopts.
 */
class SpikeAlertsTest {
    private static final int DIM = 8;

    /** Step t of a healthy run (loss 1 ± 0.01, gradient entries ± 1), the loss times {@code lossFactor}, g times {@code gradFactor}. */
    private static Step step(Random r, int t, double lossFactor, float gradFactor) {
        float[] g = new float[DIM];
        float[] d = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            g[i] = (float) (1 + 0.05 * r.nextGaussian()) * (i % 2 == 0 ? 1 : -1) * gradFactor;
            d[i] = -0.01f * g[i];
        }
        return SampleRecords.step("spiky", t, 1_700_000_000_000L + 10L * t, (1 + 0.01 * r.nextGaussian()) * lossFactor, g, d);
    }

    private static List<AlertTransition> alerts(List<Update> updates) {
        return updates.stream().filter(AlertTransition.class::isInstance).map(AlertTransition.class::cast).toList();
    }

    @Test
    void plantedLossAndGradientSpikesOpenAndResolveOnceEach() {
        Random r = new Random(1);
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        List<AlertTransition> alerts = new ArrayList<>();
        for (int t = 1; t <= 400; t++) {
            alerts.addAll(alerts(a.onStep(step(r, t, t == 200 ? 5 : 1, t == 300 ? 10 : 1), 10L * t)));
        }
        assertThat(alerts).extracting(x -> x.kind() + (x.open() ? "+" : "-") + x.at().step())
                .containsExactly("LOSS_SPIKE+200", "LOSS_SPIKE-201", "GRADIENT_SPIKE+300", "GRADIENT_SPIKE-301");
        AlertTransition loss = alerts.get(0);
        assertThat(loss.evidence()).startsWith("loss ").contains(" at step 200 is ").contains(" sigma above the mean ")
                .contains("over the last 128 steps").contains("threshold geometric mean x exp(6.00 sigma) = ").contains("; obstacle ");
        assertThat(loss.obstacleState()).isNotEmpty();
        assertThat(alerts.get(2).evidence()).startsWith("gradient norm ");
    }

    @Test
    void spikeSettingsComeFromTheEnvironmentAndApplyToARestoredRun() throws Exception {
        AnalyticsSettings s = AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_WINDOW_STEPS", " 32 ", "CANYON_SPIKE_SIGMAS", "3.5"));
        assertThat(s.stall().spikeWindowSteps()).isEqualTo(32);
        assertThat(s.stall().spikeSigmas()).isEqualTo(3.5);
        assertThat(AnalyticsSettings.fromMap(Map.of()).stall()).isEqualTo(StallDetector.Config.defaults());

        // 40 healthy steps under the defaults (128: nothing judged yet), then restored under a 32-step window.
        Random r = new Random(2);
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        for (int t = 1; t <= 40; t++) {
            a.onStep(step(r, t, 1, 1), 10L * t);
        }
        RunAnalyzer restored = RunAnalyzer.heapify(a.toByteArray(), AnalyticsSettings.defaults()).adopt(s);
        assertThat(alerts(a.onStep(step(new Random(3), 41, 5, 1), 410))).as("128-step window not full").isEmpty();
        assertThat(alerts(restored.onStep(step(new Random(3), 41, 5, 1), 410))).extracting(AlertTransition::kind)
                .containsExactly(Kind.LOSS_SPIKE);
    }

    /**
     * A checkpoint written before spike alerts existed (state-v1/run-analyzer.bin: RunAnalyzerStateTest's
     * v1 fixture as it was, its stall detector in format 1) restores with an empty spike window and
     * continues as the uninterrupted run does (its 30 records never fill a 128-step window).
     */
    @Test
    void aCheckpointFromBeforeSpikeAlertsRestores() throws Exception {
        AnalyticsSettings settings = AnalyticsSettings.builder().crossRunEvery(5).window(8).emitEvery(4).build();
        var records = RunAnalyzerStateTest.records("golden", 40, 4);
        int cut = 30;
        RunAnalyzer fresh = new RunAnalyzer(settings);
        records.subList(0, cut).forEach(r -> r.apply(fresh));
        byte[] old = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("src/test/resources/golden/state-v1/run-analyzer.bin"));
        RunAnalyzer restored = RunAnalyzer.heapify(old, settings);
        assertThat(restored.lastStep()).isEqualTo(fresh.lastStep());
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (var r : records.subList(cut, records.size())) {
            // PCA points continue with the version-1 estimators the state holds (RunAnalyzerPreviousReleaseTest).
            r.apply(fresh).stream().filter(u -> !(u instanceof dev.canyon.analytics.update.PcaSnapshot))
                    .forEach(u -> expected.add(RunAnalyzerStateTest.canonical(u)));
            r.apply(restored).stream().filter(u -> !(u instanceof dev.canyon.analytics.update.PcaSnapshot))
                    .forEach(u -> actual.add(RunAnalyzerStateTest.canonical(u)));
        }
        assertThat(actual).isNotEmpty().containsExactlyElementsOf(expected);
    }

    @Test
    void badSpikeSettingsNameTheirKey() {
        assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_WINDOW_STEPS", "4")))
                .hasMessageContaining("CANYON_SPIKE_WINDOW_STEPS must be").hasMessageContaining("got '4'")
                .hasMessageContaining("spike window must be 8 to 8192 steps, got 4");
        assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_WINDOW_STEPS", "many")))
                .hasMessageContaining("CANYON_SPIKE_WINDOW_STEPS").hasMessageContaining("'many'");
        assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_SIGMAS", "0.5")))
                .hasMessageContaining("CANYON_SPIKE_SIGMAS must be").hasMessageContaining("(default 6)")
                .hasMessageContaining("spike sigmas must be a finite number >= 1, got 0.5");
        assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_SIGMAS", "Infinity")))
                .hasMessageContaining("CANYON_SPIKE_SIGMAS").hasMessageContaining("got Infinity");
        assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_SPIKE_SIGMAS", "six")))
                .hasMessageContaining("CANYON_SPIKE_SIGMAS").hasMessageContaining("'six'");
    }
}
