package dev.canyon.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.contract.Measurements;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A layer's point: measurement {@code layers}, tags run, experiment and layer, the step's own point
 * time (as the step's gradient and distance points), the five fields, and no update ratio (nor any
 * non-finite field) when it cannot be computed.
 */
class LayerPointsTest {
    @Test
    void aLayerIsOnePointAtTheStepsTime() {
        At at = new At("run-a", "exp", 42, 1_700_000_000_000L);
        List<StoredPoint> points = UpdatePoints.of(new LayerMeasured(at, "0", 2, 0.5, 1e-3, 10, 0.2));
        assertThat(points).hasSize(1);
        StoredPoint p = points.get(0);
        assertThat(p.measurement()).isEqualTo(Measurements.LAYERS);
        assertThat(p.timeNanos()).isEqualTo(PointTime.ofStep(at.eventTimeMs(), at.step()));
        assertThat(p.tags()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(Measurements.TAG_RUN, "run-a",
                Measurements.TAG_EXPERIMENT, "exp", Measurements.TAG_LAYER, "0"));
        assertThat(p.fields()).containsEntry(Measurements.FIELD_STEP, 42L).containsEntry(Measurements.FIELD_GRAD_NORM, 0.5)
                .containsEntry(Measurements.FIELD_STEP_NORM, 1e-3).containsEntry(Measurements.FIELD_PARAM_NORM, 10.0)
                .containsEntry(Measurements.FIELD_DISPLACEMENT, 0.2);
        assertThat((Double) p.fields().get(Measurements.FIELD_UPDATE_RATIO_LOG10)).isCloseTo(-4, within(1e-12));
        assertThat(p.fields()).hasSize(6);

        StoredPoint still = UpdatePoints.of(new LayerMeasured(at, "1", 1, 0.5, 0, 10, 0)).get(0);
        assertThat(still.fields()).doesNotContainKey(Measurements.FIELD_UPDATE_RATIO_LOG10)
                .containsEntry(Measurements.FIELD_STEP_NORM, 0.0);
        StoredPoint overflowed = UpdatePoints.of(new LayerMeasured(at, "2", 2, Double.POSITIVE_INFINITY, 1, 1, 1)).get(0);
        assertThat(overflowed.fields()).doesNotContainKey(Measurements.FIELD_GRAD_NORM).containsKey(Measurements.FIELD_STEP_NORM);
    }
}
