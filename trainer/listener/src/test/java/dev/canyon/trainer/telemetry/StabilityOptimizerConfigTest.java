package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.trainer.probe.LinearRegression;
import dev.canyon.trainer.probe.ProbePlan;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The optimizer the listener announces in run-started, read from DL4J's updater configurations; and,
 * end to end through the listener on {@link LinearRegression} (known Hessian), the Hessian probe's
 * preconditioned sharpness for Adam against λmax(P⁻¹H) from the closed-form Hessian and an
 * independent replay of Adam's recurrence (no DL4J in the reference).
 */
class StabilityOptimizerConfigTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    static final int STEPS = 6;

    static MultiLayerNetwork twoLayers(IUpdater first, IUpdater second, IUpdater all) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(1).updater(all).list();
        DenseLayer.Builder hidden = new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH);
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2)
                .activation(Activation.IDENTITY);
        if (first != null) {
            hidden.updater(first);
        }
        if (second != null) {
            out.updater(second);
        }
        MultiLayerConfiguration conf = b.layer(hidden.build()).layer(new ActivationLayer(Activation.RELU)).layer(out.build()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void oneUpdaterForEveryParameterIsItsKind() {
        assertThat(Dl4jOptimizer.of(twoLayers(null, null, new Sgd(0.1))))
                .isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.SGD).setName("Sgd").build());
        assertThat(Dl4jOptimizer.of(twoLayers(null, null, new Nesterovs(0.1, 0.95))))
                .isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.NESTEROV).setName("Nesterovs").setMomentum(0.95).build());
        assertThat(Dl4jOptimizer.of(twoLayers(null, null, new Adam(0.001, 0.8, 0.99, 1e-6))))
                .as("the parameter-less ActivationLayer (NoOp) is ignored")
                .isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.ADAM).setName("Adam").setBeta1(0.8)
                        .setBeta2(0.99).setEpsilon(1e-6).build());
        assertThat(Dl4jOptimizer.of(twoLayers(new Sgd(0.1), new Sgd(0.1), new Adam(0.01))))
                .as("the same updater set per layer").extracting(OptimizerConfig::getKind).isEqualTo(OptimizerConfig.Kind.SGD);

        ComputationGraphConfiguration graphConf = new NeuralNetConfiguration.Builder().seed(1).updater(new Nesterovs(0.05, 0.9))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(3).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(1)
                        .activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(graphConf);
        graph.init();
        assertThat(Dl4jOptimizer.of(graph).getKind()).isEqualTo(OptimizerConfig.Kind.NESTEROV);
        assertThat(Dl4jOptimizer.of(graph).getMomentum()).isEqualTo(0.9);
    }

    @Test
    void otherAndMixedUpdatersAreOtherWithTheirName() {
        assertThat(Dl4jOptimizer.of(twoLayers(null, null, new AdaGrad(0.1))))
                .isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.OTHER).setName("AdaGrad").build());

        OptimizerConfig learningRates = Dl4jOptimizer.of(twoLayers(new Sgd(0.1), new Sgd(0.01), new Sgd(0.1)));
        assertThat(learningRates.getKind()).isEqualTo(OptimizerConfig.Kind.OTHER);
        assertThat(learningRates.getName()).isEqualTo("mixed updaters (Sgd(lr 0.1) on 0_W, 0_b; Sgd(lr 0.01) on 2_W, 2_b)");

        OptimizerConfig kinds = Dl4jOptimizer.of(twoLayers(new Adam(0.01), null, new Sgd(0.1)));
        assertThat(kinds.getKind()).isEqualTo(OptimizerConfig.Kind.OTHER);
        assertThat(kinds.getName()).startsWith("mixed updaters (Adam(lr 0.01) on 0_W, 0_b; Sgd(lr 0.1) on 2_W, 2_b)");

        MultiLayerConfiguration biasConf = new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)).biasUpdater(new Sgd(0.5)).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(1).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork bias = new MultiLayerNetwork(biasConf);
        bias.init();
        assertThat(Dl4jOptimizer.of(bias).getName()).as("a separate bias updater").startsWith("mixed updaters");

        Nesterovs scheduled = new Nesterovs(0.1, new MapSchedule(ScheduleType.ITERATION, Map.of(0, 0.9, 100, 0.5)));
        assertThat(Dl4jOptimizer.of(twoLayers(null, null, scheduled)))
                .isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.OTHER).setName("Nesterovs with a momentum schedule").build());
    }

    /** A run through the listener: its run-started record and its Hessian probe after step {@link #STEPS}. */
    record Run(RunStarted started, HessianProbe hessian) {}

    static Run run(IUpdater updater, long seed) {
        MultiLayerNetwork net = LinearRegression.network(updater, seed);
        ProbePlan plan = ProbePlan.builder().hessian(step -> step == STEPS).iterations(LinearRegression.D).traceSamples(0)
                .relativeStep(1e-6).build();
        TelemetryConfig config = TelemetryConfig.builder().run("exp-stability", "run-stability").vectors(VectorRepresentation.FULL)
                .clock(CLOCK).background(false).probes(plan).build();
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryListener listener = TelemetryListener.builder(config).sink(sink).attach(net);
        listener.setProbeBatches(LinearRegression.data(), null);
        listener.around(() -> {
            for (int i = 0; i < STEPS; i++) {
                net.fit(LinearRegression.data());
            }
        });
        assertThat(listener.listenerErrors()).isZero();
        List<WireRecords.Decoded> records = sink.decoded();
        RunStarted started = ((WireRecords.DecodedRunStarted) records.get(0)).record();
        List<Probe> probes = records.stream().filter(r -> r instanceof WireRecords.DecodedProbe)
                .map(r -> ((WireRecords.DecodedProbe) r).record()).toList();
        assertThat(probes).hasSize(1);
        assertThat(probes.get(0).getStep()).isEqualTo(STEPS);
        return new Run(started, probes.get(0).getHessian());
    }

    @Test
    void adamRunsSendTheirConfigurationAndThePreconditionedSharpness() {
        double eta = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        long seed = 9;
        Run run = run(new Adam(eta, b1, b2, eps), seed);
        assertThat(run.started().getOptimizerConfig()).isEqualTo(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.ADAM)
                .setName("Adam").setBeta1(b1).setBeta2(b2).setEpsilon(eps).build());

        // Reference: Adam's recurrence on closed-form gradients from the same θ_0, and the dense P^-1/2 H P^-1/2.
        double[] theta = LinearRegression.network(new Adam(eta, b1, b2, eps), seed).params().toDoubleVector();
        LinearRegression.AdamReference adam = new LinearRegression.AdamReference(eta, b1, b2, eps);
        for (int t = 1; t <= STEPS; t++) {
            adam.step(theta);
        }
        double expected = LinearRegression.preconditionedLambdaMax(adam.preconditioner());
        HessianProbe h = run.hessian();
        System.out.printf("listener, Adam: preconditioned %.10g vs %.10g (rel %.2e); lambda_max %.10g vs %.10g; 38/eta = %.1f%n",
                h.getPreconditionedMaxEigenvalue(), expected, Math.abs(h.getPreconditionedMaxEigenvalue() / expected - 1),
                h.getMaxEigenvalue(), LinearRegression.lambdaMax(), 38 / eta);
        assertThat(h.hasPreconditionedMaxEigenvalue()).isTrue();
        // Quadratic loss in float64: the finite differences are exact up to rounding (measured ~1e-10).
        assertThat(h.getPreconditionedMaxEigenvalue()).isCloseTo(expected, within(1e-6 * expected));
        assertThat(h.getMaxEigenvalue()).isCloseTo(LinearRegression.lambdaMax(), within(1e-6 * LinearRegression.lambdaMax()));
        assertThat(h.getHessianVectorProducts()).as("two Lanczos runs of d steps").isEqualTo(2 * LinearRegression.D);
    }

    @Test
    void sgdAndNesterovRunsSendTheirConfigurationAndNoPreconditionedValue() {
        Run sgd = run(new Sgd(0.1), 2);
        assertThat(sgd.started().getOptimizerConfig().getKind()).isEqualTo(OptimizerConfig.Kind.SGD);
        assertThat(sgd.hessian().hasPreconditionedMaxEigenvalue()).isFalse();
        assertThat(sgd.hessian().getHessianVectorProducts()).isEqualTo(LinearRegression.D);

        Run nesterov = run(new Nesterovs(0.1, 0.9), 2);
        assertThat(nesterov.started().getOptimizerConfig()).isEqualTo(OptimizerConfig.newBuilder()
                .setKind(OptimizerConfig.Kind.NESTEROV).setName("Nesterovs").setMomentum(0.9).build());
        assertThat(nesterov.hessian().hasPreconditionedMaxEigenvalue()).isFalse();
    }
}
