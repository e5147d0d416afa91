package dev.canyon.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.contract.Measurements;
import dev.canyon.kernels.stall.StallDetector.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Alert points, for every alert kind (spikes included): tagged with the kind's lower-case name (what
 * Grafana's alert rules select), and stamped at the step's point time + 1,000·(code + 1) ns, + 100
 * when resolving, so that every kind's opening and resolution at one step are distinct points that
 * stay clear of the linear-path probe offsets (10,000 ns and up).
 */
class AlertPointsTest {
    @Test
    void everyKindHasItsTagAndItsOwnTimes() {
        At at = new At("run-a", "exp", 42, 1_700_000_000_000L);
        long stepTime = PointTime.ofStep(at.eventTimeMs(), at.step());
        Set<Long> times = new HashSet<>();
        for (Kind kind : Kind.values()) {
            for (boolean open : List.of(true, false)) {
                AlertTransition a = new AlertTransition(at, kind, open, "evidence", "PROGRESSING");
                StoredPoint p = UpdatePoints.of(a).get(0);
                assertThat(p.measurement()).isEqualTo(Measurements.ALERTS);
                assertThat(p.tags()).containsEntry(Measurements.TAG_KIND, kind.name().toLowerCase(Locale.ROOT))
                        .containsEntry(Measurements.TAG_RUN, "run-a");
                assertThat(p.fields()).containsEntry(Measurements.FIELD_OPEN, open ? 1L : 0L).containsEntry(Measurements.FIELD_STEP, 42L);
                long offset = p.timeNanos() - stepTime;
                assertThat(offset).as("%s %s", kind, open).isEqualTo(1000L * (kind.code() + 1) + (open ? 0 : 100));
                assertThat(offset).isLessThan(UpdatePoints.LINEAR_PATH_SPACING_NS);
                assertThat(times.add(p.timeNanos())).as("%s %s has its own time", kind, open).isTrue();
            }
        }
        assertThat(Kind.values()).extracting(k -> k.name().toLowerCase(Locale.ROOT)).contains("loss_spike", "gradient_spike");
    }
}
