package dev.canyon.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.contract.Measurements;
import org.junit.jupiter.api.Test;

/** Histograms and JVM samples as points: names from the contract, the step's point time, a tag per layer and kind. */
class DiagnosticPointsTest {
    private static final At AT = new At("run-a", "exp", 100, 1_700_000_000_000L);

    @Test
    void aHistogramIsOnePointWithItsBinsAsFields() {
        StoredPoint p = UpdatePoints.of(new LayerHistogramMeasured(AT, "0", LayerHistogramMeasured.Kind.GRADIENTS, -0.5, 0.25,
                new long[] {3, 0, 7})).get(0);
        assertThat(p.measurement()).isEqualTo(Measurements.HISTOGRAMS);
        assertThat(p.timeNanos()).isEqualTo(PointTime.ofStep(AT.eventTimeMs(), AT.step()));
        assertThat(p.tags()).containsEntry(Measurements.TAG_RUN, "run-a").containsEntry(Measurements.TAG_EXPERIMENT, "exp")
                .containsEntry(Measurements.TAG_LAYER, "0").containsEntry(Measurements.TAG_KIND, "gradients");
        assertThat(p.fields()).containsEntry(Measurements.FIELD_STEP, 100L).containsEntry(Measurements.FIELD_LO, -0.5)
                .containsEntry(Measurements.FIELD_HI, 0.25).containsEntry(Measurements.FIELD_BINS, 3L).containsEntry("c0", 3L)
                .containsEntry("c1", 0L).containsEntry("c2", 7L).hasSize(7);
        assertThat(Measurements.HISTOGRAM_KINDS).containsExactly("params", "gradients", "updates");
    }

    @Test
    void aJvmSampleLeavesOutWhatIsUnknown() {
        StoredPoint p = UpdatePoints.of(new TrainerJvmSampled(AT, 100, 1000, 50, 12, 33.5)).get(0);
        assertThat(p.measurement()).isEqualTo(Measurements.TRAINER_JVM);
        assertThat(p.fields()).containsEntry(Measurements.FIELD_HEAP_USED_BYTES, 100L).containsEntry(Measurements.FIELD_HEAP_MAX_BYTES, 1000L)
                .containsEntry(Measurements.FIELD_OFFHEAP_BYTES, 50L).containsEntry(Measurements.FIELD_GC_TIME_MS, 12L)
                .containsEntry(Measurements.FIELD_STEPS_PER_S, 33.5);
        StoredPoint first = UpdatePoints.of(new TrainerJvmSampled(AT, 100, 0, 50, 12, Double.NaN)).get(0);
        assertThat(first.fields()).doesNotContainKeys(Measurements.FIELD_HEAP_MAX_BYTES, Measurements.FIELD_STEPS_PER_S);
    }
}
