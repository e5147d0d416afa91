package dev.canyon.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a real run trained with the DL4J listener from Java (no CLI, no Kafka: {@link
 * TrainedRecording}): a deep linear network (16-16-16, 512 parameters) with Hessian, same-point and
 * snapshot probes. What the synthetic recording cannot show: θ_0 reaches the trajectory from the real
 * run-started record through the stream's own analytics, and the trainer's Hutchinson standard errors
 * reach the figures.
 */
class TrainedReportTest {
    @TempDir
    static Path dir;
    static Recording recording;
    static ReportSummary summary;

    @BeforeAll
    static void trainAndReport() throws Exception {
        ProbePlan plan = ProbePlan.builder().hessian(Schedule.firstAndEvery(40)).iterations(8).traceSamples(12)
                .gradientNoise(Schedule.firstAndEvery(10)).snapshots(Schedule.every(20)).build();
        recording = TrainedRecording.train(new ModelRecipe("deep-linear", "deep-linear", 0, 7), 1024, 32, 0.05, 120, plan, 3);
        summary = Report.write(recording, new Report.Options(dir, dir, 6, 256), (phase, done, total) -> {});
    }

    @Test
    void nothingIsLeftOut() {
        assertThat(summary.problems()).isEmpty();
        assertThat(List.of(dir.resolve("figures").toFile().list())).contains("pca-trajectory.png", "subspace.png", "subspace.svg",
                "hessian-trace.png", "noise-scale.png");
    }

    /** The run-started record's θ_0, kept by the analytics in the positions' space, is the trajectory's first point. */
    @Test
    void trajectoryStartsAtTheRecordedTheta0() throws Exception {
        RunRecording run = recording.runs().iterator().next();
        assertThat(run.initialPosition()).isNotNull().containsExactly(run.snapshots().get(0L));
        List<String> rows = Files.readAllLines(dir.resolve("data/trajectory-pca.csv"));
        assertThat(rows.get(1)).startsWith("0,");
        assertThat(rows).hasSize(1 + 1 + run.positions().size());
        assertThat(Files.readString(dir.resolve("index.html"))).contains("The first point is θ₀, the initial weights (step 0");
    }

    /** Every Hessian probe of the trainer carries the standard error of its trace, positive (12 samples that differ). */
    @Test
    void hutchinsonStandardErrorsReachTheReport() throws Exception {
        List<String> csv = Files.readAllLines(dir.resolve("data/hessian.csv"));
        int col = Arrays.asList(csv.get(0).split(",")).indexOf("trace_stderr");
        assertThat(col).isPositive();
        assertThat(csv).hasSize(1 + 4); // steps 1, 40, 80, 120
        for (String row : csv.subList(1, csv.size())) {
            assertThat(Double.parseDouble(row.split(",", -1)[col])).isPositive().isFinite();
        }
        assertThat(Files.readString(dir.resolve("index.html"))).contains("n = 12 per probe").doesNotContain("carry no standard error");
    }

    /**
     * The run's headline loss is the training loss re-evaluated at the last snapshot (step 120, over the
     * rebuilt model's training examples), not the last minibatch's own loss, which is one noisy sample; both
     * are in summary.json and on the page, each under its own name.
     */
    @Test
    void headlineLossIsTheReEvaluatedTrainingLoss() throws Exception {
        com.fasterxml.jackson.databind.JsonNode run = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("summary.json").toFile()).get("runs").get(0);
        List<String> snapshotLoss = Files.readAllLines(dir.resolve("data/snapshot-loss.csv"));
        List<String> header = Arrays.asList(snapshotLoss.get(0).split(","));
        String[] last = snapshotLoss.get(snapshotLoss.size() - 1).split(",", -1);
        assertThat(last[header.indexOf("step")]).isEqualTo("120");
        double reEvaluated = Double.parseDouble(last[header.indexOf("train_loss")]);
        assertThat(run.get("final_train_loss").asDouble()).isEqualTo(reEvaluated);
        assertThat(run.get("final_train_loss_examples").asInt()).isPositive();
        assertThat(run.get("last_minibatch_loss").asDouble()).isPositive().isNotEqualTo(reEvaluated);
        assertThat(run.has("final_loss")).isFalse();
        assertThat(Files.readString(dir.resolve("index.html"))).contains("<th title=\"final_train_loss\">training loss at the last snapshot</th>",
                "<th title=\"last_minibatch_loss\">last minibatch loss</th>");
    }
}
