package dev.canyon.storage;

import org.junit.jupiter.api.Tag;
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
@Tag("real")
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

    /**
     * Canyon's own line protocol: names with spaces, commas, equals signs, quotes and backslashes,
     * string fields with quotes and backslashes, and floats of every magnitude come back exactly,
     * as one series per run.
     */
    @Test
    void lineProtocolRoundTripsNamesAndNumbersExactly() {
        List<String> runs = List.of("run a", "run,b", "run=c", "run\\d", "run\"e\"", "r\\,x=y z");
        double[] values = {1e-300, 1.2345678901234567e22, -0.0, 0.1 + 0.2, Double.MIN_VALUE, Double.MAX_VALUE, -7.25e-7};
        try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxd.url()).withDatabase("escaping"))) {
            List<StoredPoint> points = new java.util.ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                for (int j = 0; j < values.length; j++) {
                    points.add(StoredPoint.builder("m,eas ure", 1_000L * j + i)
                            .tag(Measurements.TAG_RUN, runs.get(i))
                            .tag("k=ey", "v\"al")
                            .field("va lue", values[j])
                            .field("n", (long) j - 3)
                            .field("te,xt", "say \"hi\" \\ " + runs.get(i))
                            .build());
                }
            }
            store.write(points);
            for (int i = 0; i < runs.size(); i++) {
                List<Map<String, Object>> rows = store.rows("SELECT * FROM " + InfluxStore.quoteIdentifier("m,eas ure")
                        + " WHERE run = " + InfluxStore.quoteString(runs.get(i)));
                assertThat(rows).as("rows of %s", runs.get(i)).hasSize(values.length);
                for (int j = 0; j < values.length; j++) {
                    Map<String, Object> row = rows.get(j);
                    assertThat((Double) row.get("va lue")).isEqualTo(values[j] == 0 ? 0.0 : values[j]);
                    assertThat(((Number) row.get("n")).longValue()).isEqualTo(j - 3);
                    assertThat(row.get("te,xt")).isEqualTo("say \"hi\" \\ " + runs.get(i));
                    assertThat(row.get("k=ey")).isEqualTo("v\"al");
                    assertThat(row.get("run")).isEqualTo(runs.get(i));
                }
            }
            assertThat(store.rows("SHOW SERIES FROM " + InfluxStore.quoteIdentifier("m,eas ure"))).hasSize(runs.size());
        }
    }

    /**
     * Retention set-up: the raw policy becomes the default with its period, the downsampled one
     * exists, the continuous query is in place, connecting again with another period alters rather
     * than fails, and the downsampling (run once, as the continuous query runs every interval) writes
     * per-minute means of the per-step measurements.
     */
    @Test
    void retentionPoliciesAndDownsampling() {
        InfluxConfig.Retention retention = new InfluxConfig.Retention(Duration.ofHours(2), Duration.ofDays(30), Duration.ofMinutes(1));
        InfluxConfig config = InfluxConfig.of(influxd.url()).withDatabase("retained").withRetention(retention);
        InfluxStore.connect(config).close();
        try (InfluxStore store = InfluxStore.connect(config.withRetention(
                new InfluxConfig.Retention(Duration.ofHours(3), Duration.ofDays(30), Duration.ofMinutes(1))))) {
            List<Map<String, Object>> policies = store.rows("SHOW RETENTION POLICIES ON \"retained\"");
            assertThat(policies).anySatisfy(p -> {
                assertThat(p.get("name")).isEqualTo(InfluxConfig.RAW_POLICY);
                assertThat(p.get("duration")).isEqualTo("3h0m0s");
                assertThat(p.get("default")).isEqualTo(true);
            });
            assertThat(policies).anySatisfy(p -> {
                assertThat(p.get("name")).isEqualTo(InfluxConfig.DOWNSAMPLED_POLICY);
                assertThat(p.get("duration")).isEqualTo("720h0m0s");
            });
            assertThat(store.rows("SHOW CONTINUOUS QUERIES")).anySatisfy(q -> {
                assertThat(q.get("name")).isEqualTo(InfluxStore.DOWNSAMPLE_QUERY);
                assertThat((String) q.get("query")).contains("mean(*)").contains("training|gradient|distance");
            });
            long minute = (System.currentTimeMillis() / 60_000 - 2) * 60_000_000_000L;
            List<StoredPoint> points = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                points.add(StoredPoint.builder(Measurements.TRAINING, minute + i * 10_000_000_000L).tag(Measurements.TAG_RUN, "r")
                        .field(Measurements.FIELD_LOSS, i).field(Measurements.FIELD_STEP, (long) i + 1).build());
            }
            store.write(points);
            store.backfillDownsampled(minute - 60_000_000_000L);
            List<Map<String, Object>> down = store.rows("SELECT mean_loss FROM \"" + InfluxConfig.DOWNSAMPLED_POLICY
                    + "\".\"training\" WHERE run = 'r'");
            assertThat(down).singleElement().satisfies(r -> assertThat(((Number) r.get("mean_loss")).doubleValue()).isEqualTo(2.5));
        }
    }

    /** A token goes out as {@code Authorization: Token ...} on every request (the 2.x/3.x compatibility endpoints). */
    @Test
    void tokenIsSentInTheAuthorizationHeader() throws Exception {
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "{\"results\":[{\"statement_id\":0}]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (exchange.getRequestURI().getPath().equals("/write")) {
                exchange.sendResponseHeaders(204, -1);
            } else {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try (InfluxStore store = InfluxStore.connect(InfluxConfig.of("http://127.0.0.1:" + server.getAddress().getPort())
                .withToken("s3cr3t"))) {
            store.write(List.of(point("t", 1, 1.0)));
        } finally {
            server.stop(0);
        }
        assertThat(seen).extracting(s -> s.substring(0, s.indexOf(' '))).contains("/query", "/write");
        assertThat(seen).allSatisfy(s -> assertThat(s).endsWith(" Token s3cr3t"));
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
