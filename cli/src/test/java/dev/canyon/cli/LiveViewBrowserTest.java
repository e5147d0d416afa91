package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canyon.contract.Measurements;
import dev.canyon.stack.FreePort;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live view in headless Chromium (DevTools protocol) while {@code canyon train} trains two runs
 * through {@code canyon stack}: the runs page lists the run, the run page's loss chart gains points
 * while it trains, its obstacle timeline and evidence are InfluxDB's, the experiment page overlays
 * both runs, no page logs an error, and the screenshots are not blank (they are kept under
 * {@code target/live-view/} for docs/images).
 */
@Tag("real")
class LiveViewBrowserTest {
    private static final String EXPERIMENT = "live-ui";
    private static final int WIDTH = 1400;

    @TempDir
    Path dir;

    @Test
    void thePagesFollowARealTrainingThroughTheStack() throws Exception {
        String chromium = ReportChecks.chromium();
        Assumptions.assumeTrue(chromium != null, "chromium is not installed");
        int kafkaPort = FreePort.pick();
        int influxPort = FreePort.pick();
        int uiPort = FreePort.pick();
        Path shots = Files.createDirectories(PipelineIntegrationTest.repoRoot().resolve("cli/target/live-view"));
        List<String> stackOutput = new ArrayList<>();
        Process stack = startStack(dir.resolve("data"), kafkaPort, influxPort, uiPort, stackOutput);
        Process train = null;
        try (Cdp browser = Cdp.start(chromium, dir, WIDTH, 1000);
                InfluxStore store = InfluxStore.connect(InfluxConfig.of("http://127.0.0.1:" + influxPort))) {
            String url = "http://127.0.0.1:" + uiPort + "/";
            synchronized (stackOutput) {
                assertThat(stackOutput).as("stack output").contains("Live view: " + url);
            }
            train = startTraining(kafkaPort);
            String run = waitForRun(store, train);

            // Runs page: the run, its experiment and its report command.
            browser.navigate(url);
            browser.waitFor("!!document.querySelector('#runs tr[data-run=\"" + run + "\"]')", Duration.ofSeconds(20));
            String row = browser.eval("document.querySelector('#runs tr[data-run=\"" + run + "\"]').textContent").asText();
            assertThat(row).contains(EXPERIMENT, "canyon report", "--run " + run);
            // model and optimizer come from the runs topic
            browser.waitFor("document.querySelector('#runs tr[data-run=\"" + run + "\"]').children[3].textContent !== 'unknown'", Duration.ofSeconds(20));

            // Run page: the loss chart gains points while the run trains.
            browser.navigate(url + "run/" + run);
            String points = "(canyonPage.charts.loss && canyonPage.charts.loss.u) ? canyonPage.charts.loss.u.data[0].length : 0";
            int first = browser.waitUntil(points, v -> v.asInt() > 0, Duration.ofSeconds(30)).asInt();
            assertThat(train.isAlive()).as("training still running when the page first counted %d points", first).isTrue();
            int second = browser.waitUntil(points, v -> v.asInt() > first, Duration.ofSeconds(15)).asInt();
            assertThat(second).as("loss points, a moment later").isGreaterThan(first);
            byte[] runShotDuring = browser.screenshot(WIDTH);
            assertNotBlank(runShotDuring, "run page while training");
            browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", WIDTH, "height", 1000, "deviceScaleFactor", 1, "mobile", false));

            assertThat(train.waitFor(600, TimeUnit.SECONDS)).as("training finished").isTrue();
            assertThat(train.exitValue()).as("canyon train exit status; log %s", dir.resolve("train.log")).isZero();
            long steps = waitForStable(store, run);

            // Every loss point and the obstacle timeline with its evidence, as InfluxDB holds them.
            browser.waitUntil(points, v -> v.asLong() == steps, Duration.ofSeconds(20));
            List<List<Object>> stored = new ArrayList<>();
            for (Map<String, Object> r : store.rows("SELECT step, state, evidence FROM " + Measurements.OBSTACLE + " WHERE run = "
                    + InfluxStore.quoteString(run))) {
                stored.add(List.of(((Number) r.get("step")).longValue(), r.get("state"), r.get("evidence")));
            }
            assertThat(stored).as("obstacle decisions in InfluxDB").hasSizeGreaterThan(5);
            JsonNode shown = browser.waitUntil("canyonPage.obstacleRows()", v -> v.size() == stored.size(), Duration.ofSeconds(20));
            List<List<Object>> page = new ArrayList<>();
            for (JsonNode r : shown) {
                page.add(List.of(r.get(0).asLong(), r.get(1).asText(), r.get(2).asText()));
            }
            assertThat(page).as("obstacle timeline on the page").containsExactlyElementsOf(stored);
            List<Object> last = stored.get(stored.size() - 1);
            assertThat(browser.eval("document.getElementById('obstacle-evidence').textContent").asText()).isEqualTo(last.get(2));
            assertThat(browser.eval("document.querySelectorAll('#obstacle-table tr').length").asInt()).as("state changes listed")
                    .isGreaterThan(1);
            assertThat(browser.eval("document.getElementById('report-command').textContent").asText())
                    .isEqualTo("./canyon report --bootstrap-servers localhost:" + kafkaPort + " --run " + run);
            assertThat(browser.eval("canyonPage.charts.evr.u ? canyonPage.charts.evr.u.data[0].length : 0").asInt()).as("PCA points")
                    .isPositive();
            // Per layer: every 'layers' point, the latest histogram of each layer and kind with its counts, the JVM samples.
            long layerPoints = store.countPoints(Measurements.LAYERS, run);
            assertThat(layerPoints).as("'layers' points in InfluxDB (2 layers a step)").isEqualTo(2 * steps);
            browser.waitUntil("(canyonPage.data.layers || []).length", v -> v.asLong() == layerPoints, Duration.ofSeconds(20));
            assertThat(browser.eval("Object.keys(canyonPage.charts.layers || {}).length").asInt()).as("per-layer charts").isGreaterThanOrEqualTo(4);
            Map<String, Map<String, Object>> latest = new java.util.TreeMap<>();
            for (Map<String, Object> r : store.rows("SELECT * FROM " + Measurements.HISTOGRAMS + " WHERE run = " + InfluxStore.quoteString(run))) {
                latest.merge(r.get(Measurements.TAG_LAYER) + "/" + r.get(Measurements.TAG_KIND), r,
                        (a, b) -> ((Number) b.get(Measurements.FIELD_STEP)).longValue() > ((Number) a.get(Measurements.FIELD_STEP)).longValue() ? b : a);
            }
            assertThat(latest).as("histograms in InfluxDB: 2 layers x params, gradients, updates").hasSize(6);
            JsonNode shownHistograms = browser.waitUntil("canyonPage.data.histograms || {}", v -> v.size() == latest.size(), Duration.ofSeconds(20));
            for (var e : latest.entrySet()) {
                JsonNode h = shownHistograms.get(e.getKey());
                assertThat(h).as("histogram %s on the page", e.getKey()).isNotNull();
                for (var field : e.getValue().entrySet()) {
                    if (field.getValue() instanceof Number n && !field.getKey().equals("time")) {
                        assertThat(h.get(field.getKey()).asDouble()).as("histogram %s field %s", e.getKey(), field.getKey()).isEqualTo(n.doubleValue());
                    }
                }
            }
            long jvmPoints = store.countPoints(Measurements.TRAINER_JVM, run);
            assertThat(jvmPoints).as("trainer_jvm points (every 50 steps)").isPositive();
            browser.waitUntil("(canyonPage.data.trainer_jvm || []).length", v -> v.asLong() == jvmPoints, Duration.ofSeconds(20));
            byte[] runShot = browser.screenshot(WIDTH);
            assertNotBlank(runShot, "run page");
            Files.write(shots.resolve("live-run.png"), runShot);

            browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", WIDTH, "height", 700, "deviceScaleFactor", 1, "mobile", false));
            browser.navigate(url);
            browser.waitFor("document.querySelectorAll('#runs tbody tr').length >= 2", Duration.ofSeconds(20));
            byte[] runsShot = browser.screenshot(WIDTH);
            assertNotBlank(runsShot, "runs page");
            Files.write(shots.resolve("live-runs.png"), runsShot);

            browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", WIDTH, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
            browser.navigate(url + "experiment/" + EXPERIMENT);
            browser.waitFor("canyonPage.charts.loss && canyonPage.charts.loss.u && canyonPage.charts.loss.u.series.length === 3",
                    Duration.ofSeconds(20));
            browser.waitFor("canyonPage.charts.pairs && canyonPage.charts.pairs.u && canyonPage.charts.pairs.u.data[0].length > 0",
                    Duration.ofSeconds(20));
            byte[] experimentShot = browser.screenshot(WIDTH);
            assertNotBlank(experimentShot, "experiment page");
            Files.write(shots.resolve("live-experiment.png"), experimentShot);

            // A cold cache: the run page's HTML, script, styles and chart library fetched again, then its stored points.
            browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", WIDTH, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
            browser.call("Network.enable", Map.of());
            browser.call("Network.clearBrowserCache", Map.of());
            browser.call("Network.setCacheDisabled", Map.of("cacheDisabled", true));
            browser.navigate(url + "run/" + run);
            JsonNode drawn = browser.waitUntil("canyonPage.drawnMs", v -> v.isNumber(), Duration.ofSeconds(20));
            JsonNode nav = browser.eval("performance.getEntriesByType('navigation')[0].toJSON()");
            long bytes = browser.eval("performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
                    + " + performance.getEntriesByType('navigation')[0].transferSize").asLong();
            String load = String.format(java.util.Locale.ROOT,
                    "{\"page\": \"run\", \"steps\": %d, \"dom_content_loaded_ms\": %.0f, \"load_event_end_ms\": %.0f, \"first_drawing_ms\": %.0f, \"bytes_transferred\": %d}",
                    steps, nav.get("domContentLoadedEventEnd").asDouble(), nav.get("loadEventEnd").asDouble(), drawn.asDouble(), bytes);
            System.out.println("cold-cache load: " + load);
            Files.writeString(shots.resolve("cold-load.json"), load + "\n");

            assertThat(browser.errors()).as("console errors, exceptions and error log entries").isEmpty();
        } finally {
            if (train != null) {
                train.destroyForcibly();
            }
            stack.destroy();
            if (!stack.waitFor(60, TimeUnit.SECONDS)) {
                stack.destroyForcibly();
            }
        }
    }

    /** Not one colour: at least a few hundred distinct colours (charts, text). */
    private static void assertNotBlank(byte[] png, String what) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).as(what).isNotNull();
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot of the %s (%dx%d)", what, image.getWidth(), image.getHeight())
                .isGreaterThan(50);
    }

    private String waitForRun(InfluxStore store, Process train) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> rows = store.rows("SHOW TAG VALUES FROM " + Measurements.TRAINING + " WITH KEY = run WHERE experiment = "
                    + InfluxStore.quoteString(EXPERIMENT));
            if (!rows.isEmpty()) {
                return String.valueOf(rows.get(0).get("value"));
            }
            assertThat(train.isAlive()).as("canyon train running; log %s", dir.resolve("train.log")).isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("no training point of experiment " + EXPERIMENT + " within 180 s; log " + dir.resolve("train.log"));
    }

    private static long waitForStable(InfluxStore store, String run) throws Exception {
        long n = -1;
        for (int i = 0; i < 120; i++) {
            long now = store.countPoints(Measurements.TRAINING, run);
            if (now == n && now > 0) {
                Thread.sleep(1_500); // the obstacle point of the last window, and the sink's flush
                return now;
            }
            n = now;
            Thread.sleep(1_000);
        }
        return n;
    }

    private Process startTraining(int kafkaPort) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "@" + PipelineIntegrationTest.repoRoot().resolve("jvm-opens.args"), "-cp", System.getProperty("java.class.path"),
                "dev.canyon.cli.Canyon", "train", "--bootstrap-servers", "localhost:" + kafkaPort, "--experiment", EXPERIMENT,
                "--runs", "2", "--steps", "500", "--train-examples", "8000", "--journal-dir", dir.resolve("journal").toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile()).start();
    }

    /** {@code canyon stack} in a child JVM; returns once it says it is up. */
    private static Process startStack(Path data, int kafkaPort, int influxPort, int uiPort, List<String> output) throws Exception {
        return StackProcess.start(data, kafkaPort, influxPort, List.of("--flink-port", "0", "--ui-port", Integer.toString(uiPort)), output,
                Duration.ofSeconds(180));
    }
}
