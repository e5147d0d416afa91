package dev.canyon.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.report.section.LayersSection;
import dev.canyon.report.section.LinearPathSection;
import dev.canyon.report.section.LossSection;
import dev.canyon.report.section.NoiseScaleSection;
import dev.canyon.report.section.ReportFolder;
import dev.canyon.report.section.ReportedRun;
import dev.canyon.report.section.Skip;
import dev.canyon.report.section.SubspaceSection;
import dev.canyon.report.section.TrajectorySection;
import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A report of {@link SyntheticRecording}: summary numbers from the typed updates, NaN as null, the
 * CSV of each stream measurement equal to storage's mapping of the updates, and sections that skip
 * themselves with their reasons.
 */
class ReportTest {
    @TempDir
    static Path dir;
    static Recording recording;
    static ReportSummary summary;
    static JsonNode json;

    @BeforeAll
    static void write() throws Exception {
        recording = SyntheticRecording.experiment();
        summary = Report.write(recording, new Report.Options(dir, dir.resolve("no-fashion-mnist"), 3, 8), (phase, done, total) -> {});
        json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    @Test
    void problemsAreTheLeftOutSkipReasonsInPageOrder() throws Exception {
        String noRecipe = "model 'mystery-model' on 'nowhere' carries no recipe labels, so losses at snapshots and the subspace view are "
                + "left out";
        String snapshots = "the subspace view needs θ_0 and θ_T: take weight snapshots, with canyon train --snapshot-every N, or with the "
                + "DL4J listener from Java through its probe plan, e.g. TelemetryConfig.builder().probes(ProbePlan.builder()"
                + ".snapshots(Schedule.every(N)).build()), or ProbePlan.ECONOMY (every 1,000 steps) or FULL (every 200)";
        assertThat(summary.problems()).containsExactly("run syn-a: " + noRecipe,
                "run syn-b: 0 weight snapshot(s) recorded; " + snapshots,
                "run syn-c: " + noRecipe,
                "run syn-c: no steps recorded, so no loss figure",
                "run syn-c: 1 weight snapshot(s) recorded; " + snapshots);
        assertThat(json.get("problems").size()).isEqualTo(5);
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("<p>Left out:</p>").contains("<li>run syn-c: no steps recorded, so no loss figure</li>");
    }

    /**
     * A run trained with the DL4J listener from Java has no CLI: the advice for snapshots names both the
     * CLI option and the listener's API, and the API it names exists (a plan built that way takes θ_0 and
     * a snapshot every N steps).
     */
    @Test
    void snapshotAdviceServesTheCliAndTheListener() {
        String advice = summary.problems().get(1);
        assertThat(advice).contains("canyon train --snapshot-every N").contains("ProbePlan.builder().snapshots(Schedule.every(N))")
                .contains("TelemetryConfig.builder().probes(");
        dev.canyon.trainer.probe.ProbePlan plan = dev.canyon.trainer.probe.ProbePlan.builder()
                .snapshots(dev.canyon.trainer.probe.Schedule.every(100)).build();
        assertThat(plan.snapshots().due(100)).isTrue();
        assertThat(plan.snapshots().due(50)).isFalse();
        assertThat(dev.canyon.trainer.probe.ProbePlan.ECONOMY.snapshots().due(1000)).isTrue();
        assertThat(dev.canyon.trainer.probe.ProbePlan.FULL.snapshots().due(200)).isTrue();
        assertThat(dev.canyon.trainer.telemetry.TelemetryConfig.builder().probes(plan)).isNotNull();
    }

    /**
     * The PCA trajectory starts at θ_0 (step 0) when the recording has it in the positions' space; when
     * it has not, the caption says what the first point is instead.
     */
    @Test
    void trajectoryStartsAtTheta0() throws Exception {
        List<String> a = Files.readAllLines(dir.resolve("runs/1/data/trajectory-pca.csv"));
        assertThat(a.get(0)).isEqualTo("step,pc1,pc2");
        assertThat(a.get(1)).startsWith("0,");
        assertThat(a.get(2)).startsWith("5,");
        assertThat(a).hasSize(1 + 7); // θ_0 and the positions at steps 5, 10, ..., 30
        List<String> b = Files.readAllLines(dir.resolve("runs/2/data/trajectory-pca.csv"));
        assertThat(b.get(1)).startsWith("5,");
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("The first point is θ₀, the initial weights (step 0, from the run's run-started record)")
                .contains("The first point is step 5, not θ₀: the recording holds no θ₀")
                .contains("PC1 and PC2 are drawn at equal scale");
    }

    /**
     * Figure titles cite the works by author and year, never by the project's file numbers (which read
     * like the --seed option), and the page lists the works it cites.
     */
    @Test
    void figuresCiteAuthorsNotSeedNumbers() throws Exception {
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).doesNotContainPattern("(?i)seeds? 00\\d").contains("2-D PCA of the weight trajectory (Lipton 2016, fig. 1)")
                .contains("Linear path from initialization (Goodfellow, Vinyals &amp; Saxe 2015)")
                .contains("Hessian extremes (Goodfellow 2015 tutorial: saddles show a negative eigenvalue)")
                .contains("<h2 id=\"references\">References</h2>")
                .contains("Lipton, “Stuck in a What? Adventures in Weight Space”, 2016.")
                .contains("Goodfellow, Vinyals &amp; Saxe, “Qualitatively characterizing neural network optimization problems”, ICLR 2015.")
                .contains("Goodfellow, “Tutorial on neural network optimization problems”, Deep Learning Summer School, Montreal, 2015.")
                // Cited in captions too: every work the page names is listed in full.
                .contains("(McCandlish et al. 2018)").contains("<li>McCandlish et al. 2018: McCandlish, Kaplan, Amodei")
                .contains("(Cohen et al. 2021)").contains("<li>Cohen et al. 2021: Cohen, Kaur, Li, Kolter &amp; Talwalkar");
    }

    /**
     * Step axes tick at round steps: the labels the report draws itself (XChart's own, at every k-th data
     * value, are hidden) are the only numbers written as text in a step figure's SVG, and they step by 1, 2
     * or 5 × 10^k.
     */
    @Test
    void stepAxesHaveRoundTicks() throws Exception {
        for (String figure : List.of("runs/1/figures/loss.svg", "runs/1/figures/gradient-norm.svg", "runs/1/figures/noise-scale.svg",
                "runs/1/figures/hessian.svg", "runs/1/figures/layer-update-ratio.svg", "runs/2/figures/distances.svg",
                "figures/runs-distances.svg")) {
            String svg = Files.readString(dir.resolve(figure));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<text[^>]*>(-?\\d+)</text>").matcher(svg);
            List<Long> ticks = new ArrayList<>();
            while (m.find()) {
                ticks.add(Long.parseLong(m.group(1)));
            }
            assertThat(ticks).as(figure).hasSizeGreaterThanOrEqualTo(3);
            long spacing = ticks.get(1) - ticks.get(0);
            assertThat(spacing).as(figure).isIn(1L, 2L, 5L, 10L, 20L, 50L, 100L);
            for (int i = 0; i < ticks.size(); i++) {
                assertThat(ticks.get(i)).as(figure).isEqualTo(ticks.get(0) + i * spacing);
                assertThat(ticks.get(i) % spacing).as(figure).isZero();
            }
        }
    }

    /**
     * The noise-scale figure says how many windows have an estimate, from where, and why the others have
     * none; with few estimates it draws markers, not a line.
     */
    @Test
    void noiseScaleSaysHowManyEstimatesAndWhy() throws Exception {
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("2 of 3 windows have an estimate (2 from same-point probes, 0 cross-batch), 1 a lower bound; "
                + "0 same-point probes.")
                .contains("The other windows have none: test (1 window).")
                .contains("The noise scale needs same-point gradient probes")
                .contains("Markers without a line");
        // The count is on the figure itself, as text.
        assertThat(Files.readString(dir.resolve("runs/1/figures/noise-scale.svg"))).contains("2 of 3 windows have an estimate");
    }

    /**
     * A window without an estimate whose same-point |grad L|^2 was measured bounds the noise scale from
     * below: tr Σ / (U + 2 SE). Window 10 of run syn-a: U = 0.5, SE = 0.1, tr Σ = 3 gives 3 / 0.7. The
     * batch size (8) is drawn for reference.
     */
    @Test
    void noiseScaleLowerBoundWhereTheGradientIsNotDetected() throws Exception {
        List<String> rows = Files.readAllLines(dir.resolve("runs/1/data/noise-scale-lower-bound.csv"));
        assertThat(rows.get(0)).isEqualTo("step,grad_norm_sq,grad_norm_sq_stderr,noise_trace,noise_scale_lower_bound");
        assertThat(rows).hasSize(2);
        String[] cells = rows.get(1).split(",");
        assertThat(cells[0]).isEqualTo("10");
        assertThat(Double.parseDouble(cells[4])).isCloseTo(3.0 / 0.7, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Files.readString(dir.resolve("index.html"))).contains("Triangles: windows whose same-point ‖∇L‖² (U) is "
                + "indistinguishable from zero").contains("Dashed: the batch size B = 8;");
        // Windows with an estimate, or without same-point probes, have no bound.
        WindowIndicators estimated = recording.run("syn-a").updates(WindowIndicators.class).get(1);
        assertThat(NoiseScaleSection.lowerBound(estimated)).isNaN();
    }

    /** The Hutchinson trace with its standard error: error bars where the probe recorded one, and a caption that says which. */
    @Test
    void hessianTraceShowsItsStandardError() throws Exception {
        assertThat(dir.resolve("runs/1/figures/hessian-trace.png")).exists();
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("Hessian trace (Hutchinson's estimator) with its standard error")
                .contains("the mean of vᵀHv over n Rademacher vectors v (n = 20 per probe)")
                .contains("Error bars: ± one standard error")
                .contains("1 of the 3 probes carry no standard error");
        List<String> csv = Files.readAllLines(dir.resolve("runs/1/data/hessian.csv"));
        List<String> header = Arrays.asList(csv.get(0).split(","));
        int col = header.indexOf("trace_stderr");
        assertThat(col).isPositive();
        assertThat(csv.get(1).split(",", -1)[col]).isEmpty(); // step 10: not recorded
        assertThat(Double.parseDouble(csv.get(2).split(",", -1)[col])).isEqualTo(1.0); // step 20: 0.05 · 20
    }

    @Test
    void runNumbersComeFromTheTypedUpdates() {
        JsonNode a = json.get("runs").get(0);
        List<StepMeasured> steps = recording.run("syn-a").updates(StepMeasured.class);
        assertThat(a.get("last_minibatch_loss").asDouble()).isEqualTo(steps.get(steps.size() - 1).loss());
        assertThat(a.get("path_length").asDouble()).isEqualTo(steps.get(steps.size() - 1).pathLength());
        assertThat(a.get("learning_rate").asDouble()).isEqualTo(0.1);
        assertThat(a.get("obstacle_states").toString()).isEqualTo("{\"PROGRESSING\":2,\"SADDLE\":1}");
        assertThat(a.get("final_obstacle_state").asText()).isEqualTo("PROGRESSING");
        assertThat(a.get("alerts").toString()).isEqualTo("[\"plateau opens at step 12\",\"plateau resolves at step 18\"]");
        assertThat(a.get("pca_stream_top2").asDouble()).isEqualTo(0.7 + 0.2);
        assertThat(a.get("pca_stream_step").asLong()).isEqualTo(30);
        assertThat(a.get("pca_batch_evr").isArray()).isTrue();
        assertThat(a.get("linear_path_probes").asInt()).isEqualTo(3);
        assertThat(a.get("linear_path_monotone_probes").asInt()).isEqualTo(1);
        assertThat(a.get("linear_path_validation_monotone_probes").asInt()).isZero();
        assertThat(a.get("linear_path_last_step").asLong()).isEqualTo(30);
        assertThat(a.get("linear_path_max_barrier").asDouble()).isEqualTo(0.05);
        assertThat(a.get("hessian_probes").asInt()).isEqualTo(3);
        assertThat(a.get("lambda_min_first_negative_step").asLong()).isEqualTo(30);
        assertThat(a.get("lambda_max_first").asDouble()).isEqualTo(22);
        assertThat(a.get("snapshots").asInt()).isEqualTo(3);
        assertThat(a.has("escape_step")).isTrue();
        // Sections without their data leave no keys: no model, so no subspace view and no losses at snapshots.
        assertThat(a.has("subspace_line_length")).isFalse();
        assertThat(a.has("final_train_loss")).isFalse();
        JsonNode c = json.get("runs").get(2);
        assertThat(c.has("last_minibatch_loss")).isFalse();
        assertThat(c.has("path_length")).isFalse();
        assertThat(c.get("steps").asInt()).isZero();
    }

    /**
     * The page's headline rows speak words with units, not summary.json keys, and print numbers without
     * padding zeros; the key stays in the row's title for whoever looks for it in summary.json.
     */
    @Test
    void headlineRowsAreLabelledInWords() throws Exception {
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("<th title=\"learning_rate\">learning rate η</th><td>0.1</td>")
                .contains("<th title=\"path_length\">path length</th>")
                .contains("Σ‖Δθ‖ over every step, in parameter units")
                .doesNotContain("<th>pca stream top2</th>");
        assertThat(Html.value(0.05)).isEqualTo("0.05");
        assertThat(Html.value(17.233012)).isEqualTo("17.233");
        assertThat(Html.value(-0.0)).isEqualTo("0");
        assertThat(Html.value(1234567.0)).isEqualTo("1234570");
        assertThat(Html.value(42L)).isEqualTo("42");
    }

    /**
     * Captions give the reader the reference levels the figures are read against: the thresholds the
     * obstacle rules use, SGD's 2/η (here 2/0.1 = 20, far above curvatures under 1), and where the state
     * bands begin.
     */
    @Test
    void captionsGiveTheReferenceLevels() throws Exception {
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("from 0.8 a window is ILL_CONDITIONED").contains("from 0.5 the same-point test for a critical point is not made")
                .contains("2/η = 20, the curvature above which an SGD step overshoots, is far above the values drawn.")
                .contains("The first state is decided at step 10,")
                .contains("The obstacle rules call an uphill share above 0.4 high");
    }

    /** NaN has no JSON form: a summary number that is NaN is written as null, its key kept. */
    @Test
    void nanIsNull() {
        JsonNode a = json.get("runs").get(0);
        // One Hessian probe has no λmin, so the lowest is NaN; the last linear path's validation barrier is NaN.
        assertThat(a.get("lambda_min_lowest").isNull()).isTrue();
        assertThat(a.get("linear_path_last_validation_barrier").isNull()).isTrue();
        // A run without steps has no distance from the origin: null in the experiment's list.
        assertThat(json.get("experiment").get("distance_from_origin").get(2).isNull()).isTrue();
        assertThat(Double.isNaN(summary.experiment().overlaid().distanceFromOrigin().get(2))).isTrue();
    }

    @Test
    void experimentNumbers() {
        JsonNode ex = json.get("experiment");
        assertThat(ex.get("labels").toString()).isEqualTo("[\"run 1\",\"run 2\",\"run 3 (parent)\"]");
        assertThat(ex.get("pairs").size()).isEqualTo(1);
        assertThat(ex.get("pairs").get(0).get("step").asLong()).isEqualTo(20);
        assertThat(ex.get("pairs").get(0).get("distance").asDouble()).isEqualTo(0.7);
        assertThat(ex.get("pairwise_mean").asDouble()).isEqualTo(0.7);
        assertThat(dir.resolve("figures/pairwise-distances.png")).exists();
        assertThat(dir.resolve("figures/runs-origin.svg")).exists();
    }

    /** Each stream measurement's CSV holds what storage's mapping makes of the run's updates: same rows, same cells. */
    @Test
    void measurementCsvIsWhatStorageStores() throws Exception {
        for (int i = 0; i < 3; i++) {
            RunRecording run = new ArrayList<>(recording.runs()).get(i);
            Path data = dir.resolve("runs/" + (i + 1) + "/data");
            Map<String, List<StoredPoint>> byMeasurement = new LinkedHashMap<>();
            for (StoredPoint p : UpdatePoints.of(run.updates())) {
                byMeasurement.computeIfAbsent(p.measurement(), m -> new ArrayList<>()).add(p);
            }
            if (i == 0) {
                assertThat(byMeasurement.keySet()).contains("training", "indicators", "obstacle", "alerts", "pca", "linear_path",
                        "linear_path_summary", "hessian", "curvature_probe", "layers", "histograms", "trainer_jvm");
            }
            for (var e : byMeasurement.entrySet()) {
                List<String> lines = Files.readAllLines(data.resolve(e.getKey() + ".csv"), StandardCharsets.UTF_8);
                List<String> header = Arrays.asList(lines.get(0).split(",", -1));
                assertThat(lines).as(e.getKey()).hasSize(e.getValue().size() + 1);
                for (int r = 0; r < e.getValue().size(); r++) {
                    StoredPoint p = e.getValue().get(r);
                    List<String> cells = Arrays.asList(lines.get(r + 1).split(",", -1));
                    assertThat(cells.get(0)).isEqualTo(Long.toString(p.timeNanos()));
                    TreeSet<String> columns = new TreeSet<>(header.subList(1, header.size()));
                    for (String column : columns) {
                        String cell = cells.get(header.indexOf(column));
                        Object value = p.tags().containsKey(column) ? p.tags().get(column) : p.fields().get(column);
                        if (value == null) {
                            assertThat(cell).as("%s %s", e.getKey(), column).isEmpty();
                        } else if (value instanceof Number n) {
                            assertThat(Double.parseDouble(cell)).as("%s %s", e.getKey(), column).isEqualTo(n.doubleValue());
                        } else {
                            assertThat(cell).as("%s %s", e.getKey(), column).isEqualTo(value.toString());
                        }
                    }
                }
            }
        }
        assertThat(Files.readAllLines(dir.resolve("data/cross_run.csv"))).hasSize(1 + 2 * 2);
    }

    @Test
    void pagesShowEachRunsFigures() throws Exception {
        assertThat(List.of(dir.resolve("runs/1/figures").toFile().list())).contains("loss.png", "pca-trajectory.png", "pca-evr.png",
                "pca-variance.png", "linear-path.png", "distances.png", "gradient-norm.png", "curvature.png", "cosine.png",
                "noise-scale.png", "stability.png", "hessian.png", "layer-update-ratio.png", "layer-update-ratio.svg",
                "layer-gradient-norm.png", "layer-step-norm.png", "layer-parameter-norm.png", "histograms-params.png", "histograms-gradients.svg",
                "histograms-updates.png").doesNotContain("subspace.png");
        assertThat(List.of(dir.resolve("runs/2/figures").toFile().list())).containsExactlyInAnyOrder("loss.png", "loss.svg",
                "pca-trajectory.png", "pca-trajectory.svg", "pca-variance.png", "pca-variance.svg", "distances.png", "distances.svg",
                "gradient-norm.png", "gradient-norm.svg");
        assertThat(dir.resolve("runs/3/figures").toFile().list()).isEmpty();
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("<img src=\"runs/1/figures/linear-path.png\"").contains("runs/1/data/linear_path_summary.csv")
                .contains("<img src=\"figures/runs-distances.png\"").contains("<img src=\"runs/1/figures/layer-update-ratio.png\"")
                .contains("runs/1/data/layers.csv");
    }

    /** Sections declare their data: without it they skip, with a reason for the "Left out" box only where the reader can act. */
    @Test
    void sectionsSkipThemselvesWithAReason() throws Exception {
        List<String> noted = new ArrayList<>();
        ReportedRun empty = new ReportedRun(recording.run("syn-c"), ReportFolder.create(dir.resolve("skips"), (p, d, t) -> {}),
                new Report.Options(dir.resolve("skips"), dir, 0, 8), noted::add);
        assertThat(new LossSection(null).skip(empty)).contains(Skip.leftOut("no steps recorded, so no loss figure"));
        assertThat(new TrajectorySection().skip(empty)).map(Skip::leftOut).contains(false);
        assertThat(new LinearPathSection().skip(empty)).map(Skip::reason).contains("no linear-path probe");
        assertThat(new SubspaceSection().skip(empty)).map(Skip::leftOut).contains(false);
        assertThat(new LayersSection().skip(empty)).map(Skip::leftOut).contains(false);
        // No noise-scale estimate anywhere: no figure, and nothing for the "Left out" box (a short demo lacks nothing).
        assertThat(new NoiseScaleSection().skip(empty)).map(Skip::leftOut).contains(false);
        ReportedRun probed = new ReportedRun(recording.run("syn-a"), ReportFolder.create(dir.resolve("skips"), (p, d, t) -> {}),
                new Report.Options(dir.resolve("skips"), dir, 0, 8), noted::add);
        assertThat(new LinearPathSection().skip(probed)).isEqualTo(Optional.empty());
        assertThat(new LayersSection().skip(probed)).isEqualTo(Optional.empty());
        assertThat(new NoiseScaleSection().skip(probed)).isEqualTo(Optional.empty());
        assertThat(noted).isEmpty();
    }
}
