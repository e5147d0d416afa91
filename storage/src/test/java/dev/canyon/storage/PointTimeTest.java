package dev.canyon.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PointTimeTest {
    @Test
    void pointTimeKeepsStepsApartWithinOneMillisecond() {
        assertThat(PointTime.ofStep(1000, 1)).isEqualTo(1_000_000_001L);
        assertThat(PointTime.ofStep(1000, 2)).isNotEqualTo(PointTime.ofStep(1000, 1));
        assertThat(PointTime.ofStep(1000, 1_000_003)).isEqualTo(1_000_000_003L);
    }
}
