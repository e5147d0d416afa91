package dev.canyon.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.Measurements;
import dev.canyon.stack.InfluxdProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real influxd child process. */
class InfluxStoreTest {

    @TempDir
    static Path dir;
    static InfluxdProcess influxd;

    @BeforeAll
    static void start() {
        influxd = InfluxdProcess.start(dir);
    }

    @AfterAll
    static void stop() {
        influxd.close();
    }

    private static StoredPoint point(String run, long step, double loss) {
        return StoredPoint.builder(Measurements.TRAINING, 1_000_000_000L * step)
                .tag(Measurements.TAG_RUN, run)
                .tag(Measurements.TAG_EXPERIMENT, "e")
                .field(Measurements.FIELD_STEP, step)
                .field(Measurements.FIELD_LOSS, loss)
                .build();
    }

    @Test
    void writingTheSamePointsTwiceOverwrites() {
        try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxd.url()).withDatabase("idem"))) {
            List<StoredPoint> points = List.of(point("r1", 1, 2.0), point("r1", 2, 1.5), point("r1", 3, 1.25));
            store.write(points);
            store.write(points);
            assertThat(store.countPoints(Measurements.TRAINING, "r1")).isEqualTo(3);
            List<Map<String, Object>> rows = store.rows("SELECT loss FROM training WHERE run = 'r1'");
            assertThat(rows).extracting(r -> r.get("loss")).containsExactly(2.0, 1.5, 1.25);
        }
    }

    @Test
    void batchesLargerThanTheBatchSizeAreSplit() {
        InfluxConfig small = new InfluxConfig(influxd.url(), "split", "", "", 7, 0, Duration.ofMillis(10), true);
        try (InfluxStore store = InfluxStore.connect(small)) {
            List<StoredPoint> points = new java.util.ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                points.add(point("r2", i, 1.0 / i));
            }
            store.write(points);
            assertThat(store.countPoints(Measurements.TRAINING, "r2")).isEqualTo(50);
        }
    }

    @Test
    void rejectedQueryFailsFastAndIsNotRetriable() {
        try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxd.url()))) {
            assertThatThrownBy(() -> store.rows("SELEKT nonsense"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isRetriable()).isFalse());
        }
    }

    @Test
    void unreachableServerIsRetriedThenReportedAsTransient() {
        InfluxConfig dead = new InfluxConfig("http://127.0.0.1:" + dev.canyon.stack.FreePort.pick(), "x", "", "", 10, 2,
                Duration.ofMillis(10), false);
        try (InfluxStore store = InfluxStore.connect(dead)) {
            assertThatThrownBy(() -> store.write(List.of(point("r", 1, 1.0))))
                    .isInstanceOfSatisfying(StorageException.class, e -> {
                        assertThat(e.isRetriable()).isTrue();
                        assertThat(e.getMessage()).contains("after 3 attempt(s)");
                    });
        }
    }

    @Test
    void nonFiniteFieldIsRejectedWhenBuilt() {
        assertThatThrownBy(() -> StoredPoint.builder("m", 1).field("loss", Double.NaN))
                .hasMessageContaining("m.loss must be finite");
    }

    @Test
    void configRejectsNonsense() {
        assertThatThrownBy(() -> InfluxConfig.of("localhost:8086")).hasMessageContaining("http(s)://host:port");
        assertThat(InfluxConfig.of("http://h:1").withCredentials("u", "secret").toString()).doesNotContain("secret");
    }
}
