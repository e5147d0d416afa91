package dev.canyon.trainer;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 002's experiments through a real broker: shuffles from one initialization, clones of a partly trained run. */
@Tag("real")
class ExperimentTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicSetup.ensure(kafka.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static Experiment.Options options(String dataset, String model, String optimizer, int runs, Experiment.Vary vary,
            int cloneEpochs, long steps) {
        return Experiment.Options.builder().dataset(dataset).model(model).optimizer(optimizer).learningRate(0.05).batchSize(64)
                .hidden(16).steps(steps).runs(runs).vary(vary).cloneAfterEpochs(cloneEpochs).seed(3)
                .fashionMnistDir(Path.of(FashionMnist.DEFAULT_DIR)).trainExamples(2000).build();
    }

    private static TelemetryConfig.Builder telemetry(String experiment) {
        return TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).experimentId(experiment);
    }

    @Test
    void shufflesStartTogetherAndDiverge() {
        TelemetryConfig t = telemetry("exp-shuffles").probes(ProbePlan.builder().snapshots(step -> step == 20).build()).build();
        List<Experiment.RunResult> runs = Experiment.run(options("deep-linear", "mlp", "sgd", 2, Experiment.Vary.SHUFFLE, 0, 20),
                t, (role, s, total) -> {});
        assertThat(runs).extracting(Experiment.RunResult::role).containsExactly("run-1", "run-2");
        assertThat(runs).allSatisfy(r -> assertThat(r.stepsPublished()).isEqualTo(20));
        Map<String, Map<Long, float[]>> snaps = snapshots(runs, 2 * 2);
        float[][] start = {snaps.get(runs.get(0).runId()).get(0L), snaps.get(runs.get(1).runId()).get(0L)};
        float[][] end = {snaps.get(runs.get(0).runId()).get(20L), snaps.get(runs.get(1).runId()).get(20L)};
        assertThat(start[0]).containsExactly(start[1]);
        assertThat(end[0]).isNotEqualTo(end[1]);
    }

    @Test
    void clonesStartWhereTheParentStoppedAndDiverge() {
        TelemetryConfig t = telemetry("exp-clones").probes(ProbePlan.builder().snapshots(step -> step == 16 || step == 10).build())
                .build();
        List<Experiment.RunResult> runs = Experiment.run(options("deep-linear", "mlp", "momentum", 2, Experiment.Vary.SHUFFLE, 1, 10),
                t, (role, s, total) -> {});
        // deep-linear: 1,024 examples, batch 64: one epoch is 16 steps.
        assertThat(runs).extracting(Experiment.RunResult::role).containsExactly("parent", "clone-1", "clone-2");
        assertThat(runs.get(0).steps()).isEqualTo(16);
        Map<String, Map<Long, float[]>> snaps = snapshots(runs, 6);
        float[] parentEnd = snaps.get(runs.get(0).runId()).get(16L);
        for (Experiment.RunResult clone : runs.subList(1, 3)) {
            assertThat(snaps.get(clone.runId()).get(0L)).containsExactly(parentEnd);
        }
        assertThat(snaps.get(runs.get(1).runId()).get(10L)).isNotEqualTo(snaps.get(runs.get(2).runId()).get(10L));
    }

    @Test
    void cnnWithAdamAndTheDeepLinearModelTrain() {
        TelemetryConfig t = telemetry("exp-models").build();
        Experiment.RunResult cnn = Experiment.run(options("fashion-mnist", "cnn", "adam", 1, Experiment.Vary.INIT, 0, 3), t,
                (role, s, total) -> {}).get(0);
        assertThat(cnn.parameters()).isEqualTo(431_080);
        assertThat(cnn.stepsPublished()).isEqualTo(3);
        Experiment.RunResult two = Experiment.run(options("deep-linear-2", "mlp", "sgd", 1, Experiment.Vary.INIT, 0, 5), t,
                (role, s, total) -> {}).get(0);
        assertThat(two.parameters()).isEqualTo(2);
        assertThat(two.stepsPublished()).isEqualTo(5);
    }

    /** Started next to a planted saddle (seed 004), the probes see its negative curvature. */
    @Test
    void aRunStartedAtAPlantedSaddleSeesNegativeCurvature() {
        TelemetryConfig t = telemetry("exp-planted").probes(ProbePlan.FULL.toBuilder().relativeStep(1e-6).build()).build();
        Experiment.RunResult run = Experiment.run(options("planted-saddle", "mlp", "sgd", 1, Experiment.Vary.INIT, 0, 3), t,
                (role, s, total) -> {}).get(0);
        List<dev.canyon.contract.proto.Probe> probes = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                l -> l.stream().filter(r -> run.runId().equals(key(r))).count() >= 3 + 3, Duration.ofSeconds(30))
                .stream().filter(r -> run.runId().equals(key(r)))
                .map(r -> WireRecords.decode(r.value())).filter(d -> d instanceof WireRecords.DecodedProbe)
                .map(d -> ((WireRecords.DecodedProbe) d).record()).toList();
        assertThat(probes).filteredOn(dev.canyon.contract.proto.Probe::hasHessian)
                .singleElement()
                .satisfies(p -> assertThat(p.getHessian().getMinEigenvalue()).isLessThan(-0.1 * p.getHessian().getMaxEigenvalue()));
    }

    @Test
    void badChoicesAreNamed() {
        assertThatThrownBy(() -> options("cifar", "mlp", "sgd", 1, Experiment.Vary.INIT, 0, 1)).hasMessageContaining("dataset must be one of");
        assertThatThrownBy(() -> options("fashion-mnist", "mlp", "rmsprop", 1, Experiment.Vary.INIT, 0, 1))
                .hasMessageContaining("optimizer must be one of");
        assertThatThrownBy(() -> options("fashion-mnist", "deep-linear", "sgd", 1, Experiment.Vary.INIT, 0, 1))
                .hasMessageContaining("goes with its own dataset");
    }

    private static Map<String, Map<Long, float[]>> snapshots(List<Experiment.RunResult> runs, int expected) {
        List<String> ids = runs.stream().map(Experiment.RunResult::runId).toList();
        return TopicContents.read(kafka.bootstrapServers(), Topics.SNAPSHOTS,
                l -> l.stream().filter(r -> ids.contains(key(r))).count() >= expected, Duration.ofSeconds(30))
                .stream().filter(r -> ids.contains(key(r)))
                .map(r -> ((WireRecords.DecodedSnapshot) WireRecords.decode(r.value())).record())
                .collect(Collectors.groupingBy(Snapshot::getRunId,
                        Collectors.toMap(Snapshot::getStep, s -> Vectors.toFloats(s.getParameters()))));
    }

    private static String key(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }
}
