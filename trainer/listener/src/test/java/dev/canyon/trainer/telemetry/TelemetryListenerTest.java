package dev.canyon.trainer.telemetry;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.Step;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import dev.canyon.trainer.probe.DeepLinear;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Schedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real training through a real (embedded) broker. */
@Tag("real")
class TelemetryListenerTest {

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

    /** Reads ‖g‖ with ND4J ops, independently of the listener's copies and fused pass. */
    static final class GradNormProbe extends BaseTrainingListener {
        final List<Double> norms = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            norms.add(model.gradient().gradient().norm2Number().doubleValue() / model.batchSize());
        }
    }

    @Test
    void publishesEveryStepInOrderWithConsistentVectors() {
        int steps = 25;
        double lr = 0.05;
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-a", "run-listener")
                .vectors(VectorRepresentation.FULL).probes(ProbePlan.builder().snapshots(Schedule.every(10)).build())
                .background(true).build();
        GradNormProbe probe = new GradNormProbe();
        MultiLayerNetwork net = SmallMlp.network(16, lr, 42);
        TelemetryListener listener = train(net, config, 32, steps, probe);
        assertThat(listener.steps()).isEqualTo(steps);
        assertThat(listener.sink().report().stepsAcknowledged()).isEqualTo(steps);
        assertThat(listener.sink().report().dropped()).isZero();
        long d = SmallMlp.parameters(16);
        assertThat(net.numParams()).isEqualTo(d);

        List<Step> records = stepsOf("run-listener", steps);
        assertThat(records).extracting(Step::getStep).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, steps).boxed().toList());
        for (Step s : records) {
            float[] g = Vectors.toFloats(s.getGradient());
            float[] delta = Vectors.toFloats(s.getDelta());
            assertThat(g).hasSize((int) d);
            assertThat(s.getBatchSize()).isEqualTo(32);
            assertThat(s.getLearningRate()).isEqualTo(lr);
            assertThat(s.getExperimentId()).isEqualTo("exp-a");
            // Plain SGD: Δθ = −η·g with g the MEAN gradient. A wrong batch-size convention would be off by 32×.
            // Tolerance 1e-3 relative: Δθ is a float difference of two parameters (rounding ~1e-8 absolute
            // against updates ~1e-4).
            double err = 0, ref = 0;
            for (int i = 0; i < d; i++) {
                double e = delta[i] + lr * g[i];
                err += e * e;
                ref += lr * lr * g[i] * (double) g[i];
            }
            assertThat(Math.sqrt(err)).isLessThan(1e-3 * Math.sqrt(ref));
            // The trainer's norms are float-blocked sums (see StepScalarsCalculator): relative 1e-6.
            assertThat(s.getScalars().getGradNorm()).isCloseTo(norm(g), within(1e-6 * norm(g)));
            assertThat(s.getScalars().getDeltaNorm()).isCloseTo(norm(delta), within(1e-6 * norm(delta)));
            // Independent ND4J computation of ||g||, float32 reduction: relative 1e-5.
            double nd4j = probe.norms.get((int) s.getStep() - 1);
            assertThat(s.getScalars().getGradNorm()).isCloseTo(nd4j, within(1e-5 * nd4j));
            assertThat(s.getLoss()).isBetween(0.0, 10.0);
            // Per-tensor scalars: DL4J's parameter table in flattened order; each tensor's ‖g‖ from its slice.
            assertThat(s.getTensorsList()).extracting(TensorScalars::getName).containsExactly("0_W", "0_b", "1_W", "1_b");
            for (TensorScalars t : s.getTensorsList()) {
                float[] slice = java.util.Arrays.copyOfRange(g, t.getOffset(), t.getOffset() + t.getSize());
                assertThat(t.getScalars().getGradNorm()).isCloseTo(norm(slice), within(1e-6 * norm(slice) + 1e-30));
            }
            assertThat(s.getTensors(0).getSize()).isEqualTo(SmallMlp.INPUTS * 16);
        }
        // Successive-gradient inner product matches the vectors of consecutive steps.
        float[] g1 = Vectors.toFloats(records.get(0).getGradient());
        float[] g2 = Vectors.toFloats(records.get(1).getGradient());
        double dot = 0;
        for (int i = 0; i < d; i++) {
            dot += (double) g1[i] * g2[i];
        }
        assertThat(records.get(1).getScalars().getGradDotPrevGrad()).isCloseTo(dot, within(1e-6 * norm(g1) * norm(g2)));

        // Snapshots θ_0, θ_10, θ_20: each equals θ_0 plus the published deltas (float sums: 1e-5 absolute).
        List<Snapshot> snapshots = TopicContents.read(kafka.bootstrapServers(), Topics.SNAPSHOTS,
                l -> l.stream().filter(r -> "run-listener".equals(key(r))).count() >= 3, Duration.ofSeconds(30))
                .stream().filter(r -> "run-listener".equals(key(r)))
                .map(r -> ((WireRecords.DecodedSnapshot) WireRecords.decode(r.value())).record()).toList();
        assertThat(snapshots).extracting(Snapshot::getStep).containsExactly(0L, 10L, 20L);
        double[] sum = new double[(int) d];
        float[] theta0 = Vectors.toFloats(snapshots.get(0).getParameters());
        for (Step s : records) {
            float[] delta = Vectors.toFloats(s.getDelta());
            for (int i = 0; i < d; i++) {
                sum[i] += delta[i];
            }
            if (s.getStep() % 10 == 0) {
                float[] snap = Vectors.toFloats(snapshots.get((int) s.getStep() / 10).getParameters());
                for (int i = 0; i < d; i++) {
                    assertThat((double) snap[i]).isCloseTo(theta0[i] + sum[i], within(1e-5));
                }
            }
        }

        List<WireRecords.Decoded> lifecycle = TopicContents.read(kafka.bootstrapServers(), Topics.RUNS,
                l -> l.stream().filter(r -> "run-listener".equals(key(r))).count() >= 2, Duration.ofSeconds(30))
                .stream().filter(r -> "run-listener".equals(key(r))).map(r -> WireRecords.decode(r.value())).toList();
        assertThat(lifecycle).hasSize(2);
        assertThat(lifecycle.get(0)).isInstanceOf(WireRecords.DecodedRunStarted.class);
        RunEnded ended = ((WireRecords.DecodedRunEnded) lifecycle.get(1)).record();
        assertThat(ended.getSteps()).isEqualTo(steps);
        assertThat(ended.getOutcome()).isEqualTo(RunEnded.Outcome.COMPLETED);
    }

    /** HALF and SKETCH runs: the vectors are the bf16 rounding / the experiment-seeded CountSketch of the exact ones. */
    @Test
    void halfAndSketchVectorsEncodeTheExactVectors() {
        for (VectorRepresentation rep : List.of(VectorRepresentation.HALF, VectorRepresentation.sketch(64))) {
            String run = "run-" + rep.toString().replace(':', '-');
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-rep", run)
                    .vectors(rep).build();
            MultiLayerNetwork net = SmallMlp.network(8, 0.05, 42);
            train(net, config, 16, 4);
            List<Step> records = stepsOf(run, 4);
            assertThat(records).hasSize(4);
            int d = (int) net.numParams();
            for (Step s : records) {
                assertThat(s.getGradient().getEncoding()).isEqualTo(rep.encoding());
                assertThat(s.getDelta().getDimension()).isEqualTo(d);
                float[] delta = Vectors.toFloats(s.getDelta());
                if (rep.equals(VectorRepresentation.HALF)) {
                    assertThat(delta).hasSize(d);
                    // bf16 keeps 8 significant bits: the norm of the halves is within 2^-8 of the exact norm.
                    assertThat(norm(delta)).isCloseTo(s.getScalars().getDeltaNorm(), within(0x1p-8 * s.getScalars().getDeltaNorm()));
                } else {
                    assertThat(delta).hasSize(64);
                    assertThat(s.getDelta().getSketchSeed()).isEqualTo(dev.canyon.kernels.sketch.CountSketch.seedFor("exp-rep"));
                    assertThat(norm(delta)).isPositive();
                }
            }
        }
    }

    /**
     * Probes published by a real training run of the 2-parameter deep linear model, started near
     * its saddle, against the closed form at the weights the run actually visited.
     */
    @Test
    void publishedProbesMatchTheClosedFormAlongARealRun() {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = DeepLinear.network(0.05);
        net.params().assign(org.nd4j.linalg.factory.Nd4j.create(new double[] {0.05, -0.1}).reshape(net.params().shape()));
        List<double[]> thetas = new ArrayList<>();
        thetas.add(net.params().toDoubleVector());
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                thetas.add(model.params().toDoubleVector());
            }
        });
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-probe", "run-probe")
                .vectors(VectorRepresentation.FULL).probes(ProbePlan.everyStep(60, 0, 1e-5)).background(true).build();
        int steps = 5;
        try (TelemetryListener telemetry = TelemetryListener.attach(net, config, RunDescription.unknown())) {
            for (int i = 0; i < steps; i++) {
                net.fit(DeepLinear.example());
            }
        }
        List<Probe> probes = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                l -> l.stream().filter(r -> "run-probe".equals(key(r))).count() >= 4L * steps, Duration.ofSeconds(30))
                .stream().filter(r -> "run-probe".equals(key(r)))
                .map(r -> WireRecords.decode(r.value())).filter(d -> d instanceof WireRecords.DecodedProbe)
                .map(d -> ((WireRecords.DecodedProbe) d).record()).toList();
        assertThat(probes).hasSize(3 * steps);
        // Parameters pass through float32 in the listener (rounding ~1e-8); the bar is relative 1e-3.
        for (Probe p : probes) {
            int t = (int) p.getStep();
            double[] theta = thetas.get(t);
            double[] prev = thetas.get(t - 1);
            double[][] h = DeepLinear.hessian(theta);
            switch (p.getKindCase()) {
                case HESSIAN -> {
                    double[] eig = DeepLinear.eigenvalues(h);
                    assertThat(p.getHessian().getMaxEigenvalue()).isCloseTo(eig[0], within(1e-3 * Math.abs(eig[0])));
                    assertThat(p.getHessian().getMinEigenvalue()).isCloseTo(eig[1], within(1e-3 * Math.abs(eig[1])));
                    assertThat(p.getHessian().getMinEigenvalue()).as("negative curvature near the saddle").isLessThan(-1.5);
                }
                case CURVATURE -> {
                    double[] g0 = DeepLinear.gradient(prev);
                    double[] g1 = DeepLinear.gradient(theta);
                    double[] delta = {theta[0] - prev[0], theta[1] - prev[1]};
                    double secant = ((g1[0] - g0[0]) * delta[0] + (g1[1] - g0[1]) * delta[1])
                            / (delta[0] * delta[0] + delta[1] * delta[1]);
                    double alongGradient = DeepLinear.curvature(h, g0);
                    assertThat(p.getCurvature().getAlongStep()).isCloseTo(secant, within(1e-3 * Math.abs(secant)));
                    assertThat(p.getCurvature().getAlongGradient()).isCloseTo(alongGradient, within(1e-3 * Math.abs(alongGradient)));
                }
                case LINEAR_PATH -> {
                    var lp = p.getLinearPath();
                    assertThat(lp.getAlphaCount()).isEqualTo(ProbePlan.DEFAULT_ALPHAS.length);
                    for (int i = 0; i < lp.getAlphaCount(); i++) {
                        double a = lp.getAlpha(i);
                        double[] point = {(1 - a) * thetas.get(0)[0] + a * theta[0], (1 - a) * thetas.get(0)[1] + a * theta[1]};
                        assertThat(lp.getTrainLoss(i)).isCloseTo(DeepLinear.loss(point), within(1e-6));
                    }
                }
                default -> throw new AssertionError("unexpected probe " + p);
            }
        }
        // Probing left training untouched: plain SGD steps on the closed-form gradient.
        for (int t = 1; t <= steps; t++) {
            double[] g = DeepLinear.gradient(thetas.get(t - 1));
            assertThat(thetas.get(t)[0]).isCloseTo(thetas.get(t - 1)[0] - 0.05 * g[0], within(1e-12));
            assertThat(thetas.get(t)[1]).isCloseTo(thetas.get(t - 1)[1] - 0.05 * g[1], within(1e-12));
        }
    }

    /** The same one-line attach on a ComputationGraph, with Adam: Δθ is the real parameter change, not −η·g. */
    @Test
    void computationGraphWithAdamPublishesTheRealParameterChange() {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(5)
                .updater(new org.nd4j.linalg.learning.config.Adam(0.01))
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(SmallMlp.INPUTS).nOut(8)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(8).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
        org.deeplearning4j.nn.graph.ComputationGraph graph = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        graph.init();
        List<float[]> params = new ArrayList<>();
        params.add(graph.params().dup().toFloatVector());
        graph.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                params.add(model.params().dup().toFloatVector());
            }
        });
        org.nd4j.linalg.dataset.DataSet batch = new SmallMlp.Batches(32, 5).next();
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-graph", "run-graph")
                .vectors(VectorRepresentation.FULL).probes(ProbePlan.everyStep(10, 2, 1e-3)).build();
        int steps = 6;
        try (TelemetryListener telemetry = TelemetryListener.attach(graph, config, RunDescription.unknown())) {
            telemetry.setProbeBatches(batch, null);
            for (int i = 0; i < steps; i++) {
                graph.fit(batch);
            }
        }
        List<Step> records = stepsOf("run-graph", steps);
        assertThat(records).hasSize(steps);
        for (Step s : records) {
            float[] delta = Vectors.toFloats(s.getDelta());
            float[] before = params.get((int) s.getStep() - 1);
            float[] after = params.get((int) s.getStep());
            for (int i = 0; i < delta.length; i++) {
                assertThat(delta[i]).isEqualTo(after[i] - before[i]);
            }
            assertThat(s.getLearningRate()).isEqualTo(0.01);
        }
        List<Probe> probes = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                l -> l.stream().filter(r -> "run-graph".equals(key(r))).count() >= 3L * steps, Duration.ofSeconds(30))
                .stream().filter(r -> "run-graph".equals(key(r)))
                .map(r -> WireRecords.decode(r.value())).filter(d -> d instanceof WireRecords.DecodedProbe)
                .map(d -> ((WireRecords.DecodedProbe) d).record()).toList();
        // No same-batch curvature for graphs (DL4J does not expose their labels); Hessian, linear path and same-point
        // gradients on the probe batch (flagged as such).
        assertThat(probes).extracting(Probe::getKindCase).containsOnly(Probe.KindCase.HESSIAN, Probe.KindCase.LINEAR_PATH,
                Probe.KindCase.GRADIENT_NOISE);
        assertThat(probes).filteredOn(Probe::hasGradientNoise).isNotEmpty()
                .allSatisfy(p -> assertThat(p.getGradientNoise().getFixedBatch()).isTrue());
        assertThat(probes).filteredOn(Probe::hasHessian)
                .allSatisfy(p -> assertThat(p.getHessian().getMaxEigenvalue()).isPositive().isGreaterThanOrEqualTo(p.getHessian().getMinEigenvalue()));
    }

    @Test
    void oversizedRecordsFailLoudlyWithoutStoppingTraining() {
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-b", "run-oversized")
                .kafkaProperties(Map.of("max.request.size", "4096")).vectors(VectorRepresentation.FULL).build();
        long[] seen = {0};
        // By default close() does not throw: the report says what was dropped, and why.
        TelemetryListener listener = trainFive(config, seen);
        assertThat(seen[0]).as("training ran every step despite telemetry failures").isEqualTo(5);
        DeliveryReport report = listener.deliveryReport();
        assertThat(report.dropped()).isPositive();
        assertThat(report.complete()).isFalse();
        assertThat(report.firstFailure()).hasMessageContaining("exceeds max.request.size 4096");
        // Strict delivery: close() throws, after training ran every step.
        seen[0] = 0;
        assertThatThrownBy(() -> trainFive(config.toBuilder().runId("run-oversized-strict").strictDelivery(true).build(), seen))
                .isInstanceOf(TelemetryException.class)
                .hasMessageContaining("were not delivered")
                .hasMessageContaining("exceeds max.request.size 4096");
        assertThat(seen[0]).as("training ran every step despite telemetry failures").isEqualTo(5);
    }

    private static TelemetryListener trainFive(TelemetryConfig config, long[] seen) {
        MultiLayerNetwork net = SmallMlp.network(8, 0.05, 42);
        TelemetryListener listener = TelemetryListener.attach(net, config, RunDescription.unknown());
        SmallMlp.Batches batches = new SmallMlp.Batches(16, 42);
        listener.around(() -> {
            for (int s = 1; s <= 5; s++) {
                net.fit(batches.next());
                seen[0] = s;
            }
        });
        return listener;
    }

    /**
     * A healthy broker never makes a step journal, not even the first ones, whose producer has no
     * metadata yet: the sink fetches it once at start, off the training thread, while records wait in
     * memory. Shown with a step budget (5 ms) far below a first metadata fetch; no journal is created
     * and no warning logged.
     */
    @Test
    void aHealthyBrokerJournalsNothingFromTheFirstStep() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(KafkaTelemetrySink.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            Path journal = dir.resolve("healthy-journal");
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-healthy", "run-healthy")
                    .vectors(VectorRepresentation.sketch(64)).stepBudget(Duration.ofMillis(5)).journalDir(journal).build();
            TelemetryListener listener = train(SmallMlp.network(8, 0.05, 42), config, 16, 20);
            DeliveryReport report = listener.deliveryReport();
            assertThat(report.spilled()).as(report.summary()).isZero();
            assertThat(report.complete()).as(report.summary()).isTrue();
            assertThat(report.stepsAcknowledged()).isEqualTo(20);
            assertThat(journal).as("no journal folder was needed").doesNotExist();
            assertThat(log.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).isEmpty();
        } finally {
            logger.detachAppender(log);
        }
    }

    /**
     * Attaches a listener to {@code net} (then {@code extra} listeners, which see the same steps), trains
     * {@code steps} steps of batch {@code batchSize} with it, ends the run and closes it.
     */
    private static TelemetryListener train(MultiLayerNetwork net, TelemetryConfig config, int batchSize, long steps,
            org.deeplearning4j.optimize.api.TrainingListener... extra) {
        TelemetryListener listener = TelemetryListener.attach(net, config, RunDescription.unknown());
        net.addListeners(extra);
        listener.around(() -> SmallMlp.fit(net, batchSize, 42, steps));
        return listener;
    }

    /** The run's step records (its probes share the topic and are skipped). */
    private static List<Step> stepsOf(String run, int n) {
        List<ConsumerRecord<byte[], byte[]>> all = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                l -> l.stream().filter(r -> run.equals(key(r)) && isStep(r)).count() >= n, Duration.ofSeconds(60));
        return all.stream().filter(r -> run.equals(key(r)) && isStep(r)).map(r -> WireRecords.decodeStep(r.value())).toList();
    }

    private static boolean isStep(ConsumerRecord<byte[], byte[]> r) {
        return dev.canyon.contract.RecordFrame.decode(r.value()).kind() == dev.canyon.contract.RecordKind.STEP;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
