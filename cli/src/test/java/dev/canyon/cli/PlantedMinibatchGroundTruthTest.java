package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.obstacle.ObstacleState;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.PlantedCriticalPoint;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Planted critical points (seed 004) trained with minibatch noise: minibatches of 20 of the 200
 * examples, plain SGD at η = 0.6/λmax (a well-tuned rate), started 1e-3 from w*, 150 steps, with the
 * real listener (in memory) and the stream's per-run analytics. The planted minimum is realizable (every
 * example's gradient vanishes there, so the loss reaches the floor); the planted saddle has λmin =
 * −0.02 λmax, so SGD lingers (its escape rate η|λmin| = 0.012 a step) while the saddle's residuals keep
 * the minibatch gradients noisy and half the minibatch losses go up (same-point probes every 4 steps). Each must end in its state in at
 * least 19 of 20 seeds.
 */
@Tag("real")
class PlantedMinibatchGroundTruthTest {
    private static final int SEEDS = 20;
    private static final int STEPS = 150;
    private static final ProbePlan PROBES = ProbePlan.builder().curvature(s -> s % 10 == 0).hessian(s -> s % 10 == 0)
            .gradientNoise(s -> s % 4 == 0).iterations(30).relativeStep(1e-6).build();

    /** The final shown state of one seeded run and its evidence. */
    private static String[] run(boolean saddle, long seed) {
        PlantedCriticalPoint.Planted p = saddle ? PlantedCriticalPoint.saddle(200, seed, 0.02) : PlantedCriticalPoint.minimum(200, seed);
        double lr = 0.6 / p.maxEigenvalue();
        MultiLayerNetwork net = PlantedCriticalPoint.network(new Sgd(lr), seed);
        Random r = new Random(seed);
        double[] w = p.weights().clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += 1e-3 * r.nextGaussian();
        }
        net.params().assign(Nd4j.create(w).reshape(net.params().shape()));
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        String kind = saddle ? "saddle" : "minimum";
        TelemetryConfig config = TelemetryConfig.builder().run("gt-mb-" + kind, kind + "-" + seed).probes(PROBES).build();
        try (TelemetryListener l = TelemetryListener.builder(config).sink(sink).description(RunDescription.builder().model("planted")
                .optimizer("sgd").dataset("planted-" + kind).batchSize(20).learningRate(lr).seed(seed).build()).attach(net)) {
            l.setProbeBatches(new Minibatches(p.data(), 200, seed + 7, DataType.DOUBLE).next(), null);
            Minibatches batches = new Minibatches(p.data(), 20, seed, DataType.DOUBLE);
            for (int s = 0; s < STEPS; s++) {
                DataSet b = batches.next();
                net.fit(b);
            }
        }
        RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());
        List<Update> updates = new ArrayList<>();
        for (InMemoryTelemetrySink.Sent sent : sink.records()) {
            updates.addAll(RecordHandler.handle(analyzer, sent.key(), sent.topic(), sent.frame(), Step::getStep).updates());
        }
        String state = "none";
        String evidence = "";
        for (Update u : updates) {
            if (u instanceof ObstacleDecision o) {
                state = o.state().name();
                evidence = o.evidence();
            }
        }
        return new String[] {state, String.format("lambda_max %.3g, lambda_min %.3g: %s", p.maxEigenvalue(), p.minEigenvalue(), evidence)};
    }

    private static int correct(boolean saddle) {
        ObstacleState expected = saddle ? ObstacleState.SADDLE : ObstacleState.NEAR_MINIMUM;
        int correct = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            String[] out = run(saddle, seed);
            System.out.println((saddle ? "saddle" : "minimum") + " seed " + seed + " -> " + out[0] + " (" + out[1] + ")");
            correct += out[0].equals(expected.name()) ? 1 : 0;
        }
        System.out.println((saddle ? "saddle" : "minimum") + ": " + correct + "/" + SEEDS);
        return correct;
    }

    @Test
    void aPlantedSaddleIsRecognisedUnderMinibatchNoise() {
        assertThat(correct(true)).isGreaterThanOrEqualTo(19);
    }

    @Test
    void aPlantedMinimumIsRecognisedUnderMinibatchNoise() {
        assertThat(correct(false)).isGreaterThanOrEqualTo(19);
    }
}
