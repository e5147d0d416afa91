package dev.canyon.report;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.Position;
import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.Models;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.TrainingData;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A real run, trained here with Canyon's listener used from Java (no CLI, no Kafka): the listener's
 * records go to an {@link InMemoryTelemetrySink} and are read back into a {@link Recording} the way
 * {@link RecordingReader} reads the topics (run records, then steps and probes, then run-ended records,
 * then snapshots; the same {@link dev.canyon.analytics.run.RecordHandler}).
 */
final class TrainedRecording {
    private TrainedRecording() {}

    /**
     * Trains {@code recipe}'s model (SGD, η {@code learningRate}, batch {@code batch}) for {@code steps}
     * steps with probes {@code plan} and full vectors, and returns its recording.
     */
    static Recording train(ModelRecipe recipe, int examples, int batch, double learningRate, long steps, ProbePlan plan, long seed) {
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        train(recipe, examples, batch, learningRate, steps, plan, seed, "trained", "trained-" + recipe.model(), sink);
        return read("run trained-" + recipe.model(), sink.records());
    }

    /**
     * An experiment of {@code runs} runs from different initializations (seeds {@code seed}, {@code
     * seed} + 1, ...; each run its own listener, all in experiment {@code experiment}), and its recording
     * with the cross-run distances {@link RecordingReader} computes.
     */
    static Recording experiment(ModelRecipe recipe, int examples, int batch, double learningRate, long steps, ProbePlan plan, long seed,
            String experiment, int runs) {
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        for (int i = 0; i < runs; i++) {
            train(recipe, examples, batch, learningRate, steps, plan, seed + i, experiment, experiment + "-" + (i + 1), sink);
        }
        return read("experiment " + experiment, sink.records());
    }

    private static void train(ModelRecipe recipe, int examples, int batch, double learningRate, long steps, ProbePlan plan, long seed,
            String experiment, String runId, InMemoryTelemetrySink sink) {
        Path fashion = Path.of(FashionMnist.DEFAULT_DIR);
        TrainingData data = recipe.trainingData(fashion, examples);
        MultiLayerNetwork net = Models.network(recipe.model(), data.inputs(), data.outputs(), Math.max(1, recipe.hidden()),
                Models.updater("sgd", learningRate), seed);
        TelemetryConfig config = TelemetryConfig.builder().run(experiment, runId).vectors(VectorRepresentation.FULL).probes(plan)
                .background(false).build();
        // The sink is shared by the runs of an experiment: closing one run's listener must not close it.
        TelemetryListener listener = TelemetryListener.builder(config).sink(new Unclosed(sink)).description(RunDescription.builder()
                .model(recipe.model()).optimizer("sgd").dataset(data.name()).batchSize(batch).learningRate(learningRate).seed(seed)
                .labels(recipe.labels()).build()).attach(net);
        Minibatches probe = new Minibatches(data, Math.min(256, data.n()), seed + 7, recipe.dataType());
        DataSet validation = recipe.validationBatch(fashion, 256);
        listener.setProbeBatches(probe.next(), validation);
        Minibatches batches = new Minibatches(data, batch, seed, recipe.dataType());
        listener.around(() -> {
            for (long s = 0; s < steps; s++) {
                net.fit(batches.next());
            }
        });
    }

    /** The records of a run or an experiment, read back as {@link RecordingReader} reads the topics. */
    static Recording read(String title, List<InMemoryTelemetrySink.Sent> records) {
        Map<String, RunRecording> runs = new LinkedHashMap<>();
        List<byte[]> ends = new ArrayList<>();
        for (InMemoryTelemetrySink.Sent r : records) {
            if (r.topic().equals(Topics.RUNS) && r.decode() instanceof WireRecords.DecodedRunStarted s && !runs.containsKey(r.key())) {
                RunRecording run = new RunRecording(s.record().getRunId());
                run.started = s.record();
                run.analyzer = new RunAnalyzer(AnalyticsSettings.defaults());
                RecordingReader.handle(run, Topics.RUNS, r.frame());
                run.initialPosition = run.analyzer.initialPosition();
                runs.put(r.key(), run);
            } else if (r.topic().equals(Topics.RUNS) && r.decode() instanceof WireRecords.DecodedRunEnded) {
                ends.add(r.frame());
            }
        }
        for (InMemoryTelemetrySink.Sent r : records) {
            if (r.topic().equals(Topics.STEPS)) {
                RecordingReader.handle(runs.get(r.key()), Topics.STEPS, r.frame());
            }
        }
        for (byte[] end : ends) {
            var ended = ((WireRecords.DecodedRunEnded) WireRecords.decode(end)).record();
            RunRecording run = runs.get(ended.getRunId());
            run.ended = ended;
            RecordingReader.handle(run, Topics.RUNS, end);
        }
        for (InMemoryTelemetrySink.Sent r : records) {
            if (r.topic().equals(Topics.SNAPSHOTS) && r.decode() instanceof WireRecords.DecodedSnapshot s) {
                runs.get(r.key()).snapshots.put(s.record().getStep(), Vectors.toFloats(s.record().getParameters()));
            }
        }
        Recording recording = new Recording(title);
        CrossRunDistances distances = new CrossRunDistances(dev.canyon.job.CrossRunFunction.KEPT_PER_RUN);
        for (RunRecording run : runs.values()) {
            run.analyzer = null;
            recording.runs.put(run.runId, run);
            for (Position p : run.positions()) {
                for (CrossRunDistances.Pair pair : distances.add(run.runId, p.at().step(), p.at().eventTimeMs(), p.theta())) {
                    recording.crossRun.add(CrossRunDistance.of(run.experimentId(), pair));
                }
            }
        }
        return recording;
    }

    /** A sink whose close only flushes: several listeners in turn write to one in-memory sink. */
    private record Unclosed(InMemoryTelemetrySink sink) implements dev.canyon.trainer.telemetry.TelemetrySink {
        @Override
        public void send(String topic, String key, byte[] frame) {
            sink.send(topic, key, frame);
        }

        @Override
        public boolean flush(java.time.Duration timeout) {
            return sink.flush(timeout);
        }

        @Override
        public dev.canyon.contract.proto.TelemetryHealth health() {
            return sink.health();
        }

        @Override
        public dev.canyon.trainer.telemetry.DeliveryReport report() {
            return sink.report();
        }

        /** Leaves the shared sink open for the next run: its records are all delivered already. */
        @Override
        public dev.canyon.trainer.telemetry.DeliveryReport finish() {
            return sink.report();
        }
    }
}
