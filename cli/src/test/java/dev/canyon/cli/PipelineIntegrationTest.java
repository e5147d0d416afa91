package dev.canyon.cli;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.contract.Measurements;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.trainer.MlpTrainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end: real DL4J training through the in-process KRaft broker, the
 * analytics job on Flink's MiniCluster and a real influxd, then InfluxDB checked against values
 * this test computes on its own from weight snapshots it takes during the same run.
 */
@Tag("real")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIntegrationTest {
    static final int STEPS = 200;

    @TempDir
    static Path dataDir;
    static Demo.Summary summary;
    static Recorder recorder = new Recorder();
    static InfluxdProcess influxd;
    static InfluxStore store;

    /** Takes its own copies with ND4J (dup + toFloatVector), independent of the telemetry listener's copies. */
    static final class Recorder extends BaseTrainingListener {
        final List<float[]> thetas = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        final List<Double> gradNorms = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            if (thetas.isEmpty()) {
                thetas.add(model.params().dup().toFloatVector());
            }
            gradNorms.add(model.gradient().gradient().norm2Number().doubleValue() / model.batchSize());
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            thetas.add(model.params().dup().toFloatVector());
            losses.add(model.score());
        }
    }

    @BeforeAll
    static void runPipeline() throws Exception {
        MlpTrainer.Options training = MlpTrainer.Options.builder().steps(STEPS).trainExamples(10_000).batchSize(32).hidden(32)
                .learningRate(0.05).build();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        summary = Demo.run(new Demo.Options(dataDir, training, "it", Duration.ofSeconds(120),
                dev.canyon.contract.VectorRepresentation.FULL,
                // Weight snapshots every 50 steps, for the report's losses at snapshots and its subspace view; same-point
                // gradients every 5 steps, so that this short run's windows have enough of them to show a noise scale.
                dev.canyon.trainer.probe.ProbePlan.ECONOMY.toBuilder().snapshots(step -> step % 50 == 0)
                        .gradientNoise(step -> step % 5 == 0).build()),
                new PrintStream(progress, true),
                recorder);
        // The stack is down now; bring InfluxDB back on the same data directory to inspect what was stored.
        influxd = InfluxdProcess.start(dataDir.resolve("influxdb"));
        store = InfluxStore.connect(InfluxConfig.of(influxd.url()));
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (influxd != null) {
            influxd.close();
        }
    }

    @Test
    @Order(1)
    void everyPublishedStepIsStoredOncePerMeasurement() {
        assertThat(summary.stepsTrained()).isEqualTo(STEPS);
        assertThat(summary.stepsPublished()).isEqualTo(STEPS);
        assertThat(summary.stepsStored()).isEqualTo(STEPS);
        for (String m : Measurements.PER_STEP) {
            assertThat(store.countPoints(m, summary.runId())).as(m).isEqualTo(STEPS);
            List<Map<String, Object>> steps = store.rows("SELECT step FROM " + m + " WHERE run = '" + summary.runId() + "'");
            assertThat(steps).extracting(r -> ((Number) r.get("step")).longValue())
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList());
        }
    }

    @Test
    @Order(2)
    void storedValuesEqualAnIndependentRecomputation() {
        assertThat(recorder.thetas).hasSize(STEPS + 1);
        Map<Long, Map<String, Object>> training = byStep(Measurements.TRAINING);
        Map<Long, Map<String, Object>> gradient = byStep(Measurements.GRADIENT);
        Map<Long, Map<String, Object>> distance = byStep(Measurements.DISTANCE);
        float[] theta0 = recorder.thetas.get(0);
        double path = 0;
        for (int t = 1; t <= STEPS; t++) {
            float[] theta = recorder.thetas.get(t);
            float[] prev = recorder.thetas.get(t - 1);
            double step = 0, disp = 0, origin = 0;
            for (int i = 0; i < theta.length; i++) {
                step += sq((double) theta[i] - prev[i]);
                disp += sq((double) theta[i] - theta0[i]);
                origin += sq(theta[i]);
            }
            path += Math.sqrt(step);
            // Relative tolerance 1e-5 (the bar): the stream sums float32 deltas in double; the
            // reference subtracts float32 snapshots in double. They differ by float rounding only.
            assertRel(training.get((long) t), Measurements.FIELD_LOSS, recorder.losses.get(t - 1), t);
            assertRel(gradient.get((long) t), Measurements.FIELD_GRAD_NORM, recorder.gradNorms.get(t - 1), t);
            assertRel(distance.get((long) t), Measurements.FIELD_PATH_LENGTH, path, t);
            assertRel(distance.get((long) t), Measurements.FIELD_DISPLACEMENT, Math.sqrt(disp), t);
            assertRel(distance.get((long) t), Measurements.FIELD_DISTANCE_FROM_ORIGIN, Math.sqrt(origin), t);
        }
        assertThat(summary.pathLength()).isCloseTo(path, within(1e-5 * path));
        assertThat(summary.lastMinibatchLoss()).isEqualTo(recorder.losses.get(STEPS - 1));
        assertThat(summary.trainingLoss()).isPositive().isNotEqualTo(summary.lastMinibatchLoss());
    }

    /** Every query of every provisioned dashboard, with Grafana's variables filled in, returns data. */
    @Test
    @Order(3)
    void everyDashboardQueryReturnsData() throws IOException {
        List<Path> dashboards;
        try (Stream<Path> files = Files.list(repoRoot().resolve("grafana/dashboards"))) {
            // The experiment dashboard needs several runs (ExperimentPipelineTest checks it), pipeline health
            // needs dead letters (StepAnalyticsJobTest checks it).
            dashboards = files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("experiment.json")
                    && !p.getFileName().toString().equals("pipeline-health.json")).toList();
        }
        assertThat(dashboards).isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        int queries = 0;
        for (Path file : dashboards) {
            JsonNode dash = json.readTree(file.toFile());
            for (JsonNode variable : dash.path("templating").path("list")) {
                if (variable.has("query") && variable.get("query").isTextual()) {
                    List<Map<String, Object>> rows = store.rows(fill(variable.get("query").asText()));
                    assertThat(rows).as(file.getFileName() + " variable " + variable.get("name")).isNotEmpty();
                    String expected = switch (variable.get("name").asText()) {
                        case "experiment" -> summary.experimentId();
                        case "layer" -> "0"; // the MLP's first layer (tensors 0_W, 0_b)
                        default -> summary.runId();
                    };
                    assertThat(rows).anyMatch(r -> expected.equals(r.get("value")));
                    queries++;
                }
            }
            for (JsonNode panel : dash.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String q = fill(target.get("query").asText());
                    assertThat(store.rows(q)).as(file.getFileName() + " panel '" + panel.get("title").asText() + "': " + q)
                            .isNotEmpty();
                    queries++;
                }
            }
        }
        assertThat(queries).isGreaterThanOrEqualTo(30);
    }

    /** A bounded replay of the recorded topic into another database gives the live points, value for value. */
    @Test
    @Order(4)
    void replayEqualsTheLiveRun() throws Exception {
        store.close();
        influxd.close();
        store = null;
        influxd = null;
        try (dev.canyon.stack.LocalStack stack = dev.canyon.stack.LocalStack.start(dataDir)) {
            InfluxConfig replayed = InfluxConfig.of(stack.influxd().url()).withDatabase("replayed");
            Replay.Summary summary = Replay.run(new Replay.Options(stack.kafka().bootstrapServers(), Map.of(), replayed, -1,
                    PipelineIntegrationTest.summary.runId(), null), new PrintStream(new ByteArrayOutputStream(), true));
            assertThat(summary.stepsReplayed()).isEqualTo(STEPS);
            try (InfluxStore live = InfluxStore.connect(InfluxConfig.of(stack.influxd().url()));
                    InfluxStore copy = InfluxStore.connect(replayed)) {
                for (String m : Measurements.PER_STEP) {
                    assertThat(live.countPoints(m, PipelineIntegrationTest.summary.runId())).as(m).isEqualTo(STEPS);
                }
                // Every measurement the live job wrote for the run, point for point.
                List<String> measurements = live.rows("SHOW MEASUREMENTS").stream().map(r -> (String) r.get("name")).toList();
                assertThat(measurements).contains(Measurements.INDICATORS, Measurements.OBSTACLE, Measurements.PCA,
                        Measurements.HESSIAN, Measurements.LINEAR_PATH, Measurements.CURVATURE_PROBE);
                for (String m : measurements) {
                    if (m.equals(Measurements.PIPELINE) || m.equals(Measurements.DEAD_LETTERS)) {
                        continue; // the live job's own health: processing times, not replayable
                    }
                    String q = "SELECT * FROM " + InfluxStore.quoteIdentifier(m) + " WHERE run = '"
                            + PipelineIntegrationTest.summary.runId() + "'";
                    assertThat(copy.rows(q)).as(m).isEqualTo(live.rows(q));
                }
            }
        }
    }

    /** The report written by {@link #reportOfTheRecordedRun}, for {@link #reportOpensInChromium}. */
    static Path report;

    /**
     * {@code canyon report} of the recorded run: every figure is a valid, non-blank PNG of the expected
     * size with its SVG, the page references only files that exist, and every CSV of a stream
     * measurement holds exactly the points the live job stored in InfluxDB.
     */
    @Test
    @Order(5)
    void reportOfTheRecordedRun() throws Exception {
        report = dataDir.resolve("report");
        try (dev.canyon.stack.LocalStack stack = dev.canyon.stack.LocalStack.start(dataDir);
                InfluxStore live = InfluxStore.connect(InfluxConfig.of(stack.influxd().url()))) {
            dev.canyon.report.Recording recording = new dev.canyon.report.RecordingReader(stack.kafka().bootstrapServers(), Map.of(),
                    dev.canyon.analytics.AnalyticsSettings.defaults())
                    .read(new dev.canyon.report.RecordingReader.Selection(summary.runId(), null), (phase, done, total) -> {});
            List<String> phases = new ArrayList<>();
            dev.canyon.report.ReportSummary reportSummary = dev.canyon.report.Report.write(recording,
                    new dev.canyon.report.Report.Options(report, Path.of(dev.canyon.trainer.data.FashionMnist.DEFAULT_DIR), 9, 256),
                    (phase, done, total) -> {
                        if (!phases.contains(phase)) {
                            phases.add(phase);
                        }
                    });
            assertThat(reportSummary.problems()).as("nothing left out").isEmpty();
            assertThat(phases).contains("snapshot losses", "subspace grid", "figures");
            int figures = ReportChecks.figuresAreValid(report, 960, 540);
            assertThat(List.of(report.resolve("figures").toFile().list())).contains("loss.png", "pca-trajectory.png", "pca-variance.png",
                    "pca-evr.png", "linear-path.png", "subspace.png", "distances.png", "gradient-norm.png", "curvature.png",
                    "cosine.png", "noise-scale.png", "stability.png", "hessian.png");
            List<String> images = ReportChecks.linksResolve(report.resolve("index.html"));
            assertThat(images).hasSize(figures);
            List<String> measurements = live.rows("SHOW MEASUREMENTS").stream().map(r -> (String) r.get("name"))
                    .filter(m -> !m.equals(Measurements.PIPELINE) && !m.equals(Measurements.DEAD_LETTERS)
                            && !m.equals(Measurements.CROSS_RUN))
                    .toList();
            assertThat(measurements).contains(Measurements.TRAINING, Measurements.INDICATORS, Measurements.PCA, Measurements.LINEAR_PATH,
                    Measurements.HESSIAN);
            long compared = ReportChecks.csvEqualsStored(report.resolve("data"), live, summary.runId(), measurements);
            assertThat(compared).isGreaterThan(STEPS * 5L);
            // The losses at snapshots are the model's own: θ_0's training loss is that of an untrained 10-class softmax, ≈ ln 10.
            List<List<String>> snap = ReportChecks.parse(Files.readString(report.resolve("data/snapshot-loss.csv")));
            assertThat(snap.get(0)).containsExactly("step", "train_loss", "validation_loss");
            assertThat(snap).hasSize(1 + STEPS / 50 + 1);
            assertThat(Double.parseDouble(snap.get(1).get(1))).isCloseTo(Math.log(10), within(0.5));
            assertThat(Double.parseDouble(snap.get(snap.size() - 1).get(1))).isLessThan(Double.parseDouble(snap.get(1).get(1)));
        }
    }

    /** The report in headless Chromium: a screenshot is taken and no image of the page is broken. */
    @Test
    @Order(6)
    void reportOpensInChromium() throws Exception {
        String chromium = ReportChecks.chromium();
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null,
                "Debian's chromium package is not installed (./scripts/setup installs it)");
        org.junit.jupiter.api.Assumptions.assumeTrue(report != null && Files.exists(report.resolve("index.html")), "no report written");
        Path work = Files.createDirectories(dataDir.resolve("chromium"));
        Path shot = ReportChecks.screenshot(chromium, report.resolve("index.html"), work, 1100, 2400);
        ReportChecks.pngIsValid(shot, 1100, 2400);
        String result = ReportChecks.imagesInChromium(chromium, report.resolve("index.html"), work);
        long figures;
        try (Stream<Path> s = Files.list(report.resolve("figures"))) {
            figures = s.filter(p -> p.toString().endsWith(".png")).count();
        }
        assertThat(result).isEqualTo("IMAGES " + figures + " BROKEN 0");
        // The probe does see a broken image: the same page with one figure missing.
        Path broken = Files.createDirectories(work.resolve("broken"));
        Files.copy(report.resolve("index.html"), broken.resolve("index.html"));
        Files.createDirectories(broken.resolve("figures"));
        try (Stream<Path> s = Files.list(report.resolve("figures"))) {
            for (Path f : s.toList()) {
                if (!f.getFileName().toString().equals("loss.png")) {
                    Files.copy(f, broken.resolve("figures").resolve(f.getFileName()));
                }
            }
        }
        assertThat(ReportChecks.imagesInChromium(chromium, broken.resolve("index.html"), work))
                .isEqualTo("IMAGES " + figures + " BROKEN 1 figures/loss.png");
    }

    private String fill(String query) {
        return query.replace("$timeFilter", "time >= 0")
                .replace("$__interval", "1s")
                .replace("$run", Pattern.quote(summary.runId()).replace("/", "\\/"))
                .replace("$experiment", Pattern.quote(summary.experimentId()))
                .replace("$layer", "0");
    }

    static Path repoRoot() {
        String root = System.getProperty("canyon.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    private Map<Long, Map<String, Object>> byStep(String measurement) {
        Map<Long, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> row : store.rows("SELECT * FROM " + measurement + " WHERE run = '" + summary.runId() + "'")) {
            out.put(((Number) row.get("step")).longValue(), row);
        }
        return out;
    }

    private static void assertRel(Map<String, Object> row, String field, double expected, int step) {
        assertThat(row).as("step " + step).isNotNull();
        double actual = ((Number) row.get(field)).doubleValue();
        assertThat(actual).as(field + " at step " + step).isCloseTo(expected, within(1e-5 * Math.abs(expected) + 1e-12));
    }

    private static double sq(double v) {
        return v * v;
    }
}
