package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.kernels.stall.StallDetector.Kind;
import dev.canyon.trainer.Models;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.TrainingData;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Spike alerts on real training (DESIGN.md "Stall alerts"; issue 13). Four healthy 2,000-step
 * Fashion-MNIST runs (MLP with 64 hidden units, B = 64, all 60,000 training images; the {@code canyon
 * train} defaults, SGD at η = 0.05, then SGD at η = 0.1, momentum and Adam), trained by DL4J with the
 * real listener into its in-memory sink, open no spike alert when their records go through the
 * per-run analytics ({@link RecordHandler}, the live job's and the replay's path); the first opens
 * no alert of any kind. The first run's recording with one step's loss multiplied by {@value
 * #LOSS_FACTOR}, or separately one step's gradient norm by {@value #GRAD_FACTOR}, opens exactly one
 * spike alert of the right kind, which the next step resolves. The test prints, per run, the largest
 * z-score (value − mean)/σ over the previous 128 steps of the raw values and of their logarithms
 * (the scale the rule uses; the raw one would have fired on several of these healthy runs).
 */
@Tag("real")
class SpikeAlertsTrainingTest {
    static final int STEPS = 2000;
    /** Where the spikes are planted: well past the first full window, in the slow part of training. */
    static final long PLANTED = 1500;
    /** Caught at 99 to 100 % of the steps of these runs (a 5x loss at 73 to 89 %; docs/metrics.md). */
    static final double LOSS_FACTOR = 10;
    /** Caught at every step of these runs (a 10x gradient norm at 85 to 96 %). */
    static final double GRAD_FACTOR = 20;

    /** The runs: optimizer, learning rate, seed. */
    static final Object[][] RUNS = {{"sgd", 0.05, 42L}, {"sgd", 0.1, 3L}, {"momentum", 0.01, 4L}, {"adam", 0.001, 5L}};

    /** Each run's records, in the order the listener sent them. */
    static final java.util.Map<String, List<InMemoryTelemetrySink.Sent>> RECORDED = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void train() {
        Path dir = Path.of(FashionMnist.DEFAULT_DIR);
        FashionMnist.requirePresent(dir);
        TrainingData data = TrainingData.of(FashionMnist.train(dir, 60_000));
        for (Object[] run : RUNS) {
            String optimizer = (String) run[0];
            double lr = (Double) run[1];
            long seed = (Long) run[2];
            String id = optimizer + "-" + lr + "-" + seed;
            MultiLayerNetwork net = Models.network("mlp", data.inputs(), data.outputs(), 64, Models.updater(optimizer, lr), seed);
            InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
            TelemetryListener listener = TelemetryListener.builder(TelemetryConfig.builder().run("exp-spikes", id).build()).sink(sink)
                    .description(RunDescription.builder().model("mlp").optimizer(optimizer).dataset("fashion-mnist").batchSize(64)
                            .learningRate(lr).seed(seed).build())
                    .attach(net);
            Minibatches batches = new Minibatches(data, 64, seed);
            listener.around(() -> {
                for (int s = 0; s < STEPS; s++) {
                    net.getLayerWiseConfigurations().setEpochCount(batches.epoch());
                    net.fit(batches.next());
                }
            });
            assertThat(sink.records(Topics.STEPS)).hasSize(STEPS);
            RECORDED.put(id, sink.records());
        }
    }

    /** The first run: the {@code canyon train} defaults. */
    static List<InMemoryTelemetrySink.Sent> defaultRun() {
        return RECORDED.values().iterator().next();
    }

    /** The alert transitions of a recorded run with {@code plant} applied to its steps, through the job's record path. */
    static List<AlertTransition> alerts(List<InMemoryTelemetrySink.Sent> records, UnaryOperator<Step> plant) {
        RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());
        List<AlertTransition> out = new ArrayList<>();
        for (InMemoryTelemetrySink.Sent r : records) {
            byte[] frame = r.frame();
            if (r.topic().equals(Topics.STEPS) && r.decode() instanceof WireRecords.DecodedStep s) {
                frame = WireRecords.encode(plant.apply(s.record()));
            }
            RecordHandler.Outcome o = RecordHandler.handle(analyzer, r.key(), r.topic(), frame, Step::getEventTimeMs);
            assertThat(o.rejection()).as("%s record", r.topic()).isNull();
            o.updates().stream().filter(AlertTransition.class::isInstance).map(AlertTransition.class::cast).forEach(out::add);
        }
        return out;
    }

    static List<Step> steps(List<InMemoryTelemetrySink.Sent> records) {
        return records.stream().filter(r -> r.topic().equals(Topics.STEPS)).map(r -> ((WireRecords.DecodedStep) r.decode()).record())
                .toList();
    }

    /**
     * z-scores of one quantity, of its values or of their logarithms: mean and population σ of the
     * previous 128 values (σ floored as the detector floors it); NaN while the window fills.
     */
    static double[] zScores(double[] values, boolean log) {
        int n = StallDetector.Config.DEFAULT_SPIKE_WINDOW;
        double[] x = log ? java.util.Arrays.stream(values).map(Math::log).toArray() : values;
        double[] z = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            if (t < n) {
                z[t] = Double.NaN;
                continue;
            }
            double mean = 0;
            for (int i = t - n; i < t; i++) {
                mean += x[i];
            }
            mean /= n;
            double var = 0;
            for (int i = t - n; i < t; i++) {
                var += (x[i] - mean) * (x[i] - mean);
            }
            double floor = StallDetector.SPIKE_SIGMA_FLOOR * (log ? 1 : Math.abs(mean));
            z[t] = (x[t] - mean) / Math.max(Math.sqrt(var / n), floor);
        }
        return z;
    }

    private static String worst(double[] z) {
        int at = -1;
        for (int t = 0; t < z.length; t++) {
            if (!Double.isNaN(z[t]) && (at < 0 || z[t] > z[at])) {
                at = t;
            }
        }
        return String.format(Locale.ROOT, "%.2f (step %d)", z[at], at + 1);
    }

    @Test
    void healthyRunsOpenNoSpikeAlert() {
        for (var run : RECORDED.entrySet()) {
            List<Step> steps = steps(run.getValue());
            double[] loss = steps.stream().mapToDouble(Step::getLoss).toArray();
            double[] grad = steps.stream().mapToDouble(s -> s.getScalars().getGradNorm()).toArray();
            System.out.println(String.format(Locale.ROOT, "%-18s loss %.3f -> %.3f, largest z raw %s, log %s; gradient norm %.3f -> %.3f, "
                    + "largest z raw %s, log %s", run.getKey(), loss[0], loss[STEPS - 1], worst(zScores(loss, false)),
                    worst(zScores(loss, true)), grad[0], grad[STEPS - 1], worst(zScores(grad, false)), worst(zScores(grad, true))));
            List<AlertTransition> alerts = alerts(run.getValue(), UnaryOperator.identity());
            alerts.forEach(a -> System.out.println("  " + a.kind() + (a.open() ? " opens" : " resolves") + " at step " + a.at().step()
                    + ": " + a.evidence()));
            assertThat(alerts).as("alerts of the healthy run %s", run.getKey())
                    .noneMatch(a -> a.kind() == Kind.LOSS_SPIKE || a.kind() == Kind.GRADIENT_SPIKE);
        }
        // (The momentum run's smoothed loss does not improve for 500 steps after step 1,044: a plateau alert, the plateau rule's call.)
        assertThat(alerts(defaultRun(), UnaryOperator.identity())).as("alerts of the canyon train default run").isEmpty();
    }

    @Test
    void aPlantedLossSpikeOpensExactlyOneAlert() {
        List<AlertTransition> alerts = alerts(defaultRun(),
                s -> s.getStep() == PLANTED ? s.toBuilder().setLoss(s.getLoss() * LOSS_FACTOR).build() : s);
        alerts.forEach(a -> System.out.println("planted loss spike: " + a.kind() + (a.open() ? " opens" : " resolves") + " at step "
                + a.at().step() + ": " + a.evidence()));
        assertThat(alerts).extracting(a -> a.kind() + (a.open() ? "+" : "-") + a.at().step())
                .containsExactly("LOSS_SPIKE+" + PLANTED, "LOSS_SPIKE-" + (PLANTED + 1));
        assertThat(alerts.get(0).evidence()).contains("sigma above the mean of log loss").contains("threshold geometric mean x exp(6.00 sigma)");
    }

    @Test
    void aPlantedGradientSpikeOpensExactlyOneAlert() {
        List<AlertTransition> alerts = alerts(defaultRun(), s -> s.getStep() == PLANTED
                ? s.toBuilder().setScalars(s.getScalars().toBuilder().setGradNorm(s.getScalars().getGradNorm() * GRAD_FACTOR)).build()
                : s);
        alerts.forEach(a -> System.out.println("planted gradient spike: " + a.kind() + (a.open() ? " opens" : " resolves") + " at step "
                + a.at().step() + ": " + a.evidence()));
        assertThat(alerts).extracting(a -> a.kind() + (a.open() ? "+" : "-") + a.at().step())
                .containsExactly(Kind.GRADIENT_SPIKE + "+" + PLANTED, Kind.GRADIENT_SPIKE + "-" + (PLANTED + 1));
    }
}
