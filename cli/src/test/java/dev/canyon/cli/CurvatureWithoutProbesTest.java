package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Without same-batch curvature probes (probes off, or a ComputationGraph, whose step batch DL4J does
 * not expose) the stored curvature is the cross-batch estimate from the exact scalars, labelled
 * {@code scalars}: real DL4J runs through the listener, the per-run analytics and the storage mapping.
 */
class CurvatureWithoutProbesTest {
    private static final int STEPS = 120;

    private static DataSet batch(int seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(32, 10);
        INDArray y = Nd4j.zeros(32, 3);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, (int) (x.getDouble(i, 0) * 3), 1.0);
        }
        return new DataSet(x, y);
    }

    private static List<StoredPoint> indicatorPoints(InMemoryTelemetrySink sink) {
        RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());
        List<Update> updates = new ArrayList<>();
        for (InMemoryTelemetrySink.Sent r : sink.records()) {
            updates.addAll(RecordHandler.handle(analyzer, r.key(), r.topic(), r.frame(), Step::getStep).updates());
        }
        return UpdatePoints.of(updates.stream().filter(WindowIndicators.class::isInstance).toList());
    }

    private static void assertScalarCurvature(List<StoredPoint> points) {
        assertThat(points).hasSize(STEPS / 10);
        for (StoredPoint p : points) {
            assertThat(p.fields().get(Measurements.FIELD_CURVATURE_SOURCE)).isEqualTo("scalars");
            assertThat(p.fields().get(Measurements.FIELD_CURVATURE)).as("curvature at %s", p).isInstanceOf(Double.class);
        }
    }

    @Test
    void aMultiLayerNetworkWithProbesOffStoresTheScalarEstimate() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        try (TelemetryListener l = TelemetryListener.builder(TelemetryConfig.builder().run("exp-curv", "mln-off").probes(ProbePlan.OFF)
                .build()).sink(sink).attach(net)) {
            for (int i = 0; i < STEPS; i++) {
                net.fit(batch(i));
            }
        }
        assertScalarCurvature(indicatorPoints(sink));
    }

    @Test
    void aComputationGraphWithProbesOnStoresTheScalarEstimate() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        // Curvature due every 10 steps: a ComputationGraph cannot take it (no step batch), the rest of the plan runs.
        ProbePlan plan = ProbePlan.builder().curvature(s -> s % 10 == 0).gradientNoise(s -> s % 10 == 0).build();
        try (TelemetryListener l = TelemetryListener.builder(TelemetryConfig.builder().run("exp-curv", "graph-probes").probes(plan)
                .build()).sink(sink).attach(graph)) {
            l.setProbeBatches(batch(999), null);
            for (int i = 0; i < STEPS; i++) {
                graph.fit(batch(i));
            }
        }
        assertThat(sink.decoded()).as("same-point probes on the fixed batch").anyMatch(d -> d instanceof WireRecords.DecodedProbe p
                && p.record().hasGradientNoise() && p.record().getGradientNoise().getFixedBatch());
        assertScalarCurvature(indicatorPoints(sink));
    }
}
