package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The per-layer measurements (measurement {@code layers}) against the network's own weights: a real
 * DL4J MultiLayerNetwork (three layers, Adam, so that the step is not a multiple of the gradient)
 * trained with the real listener into an in-memory sink, its records fed to the stream's {@link
 * RunAnalyzer}, and every layer's ‖θ_l‖, ‖Δθ_l‖, ‖θ_l − θ_l,0‖, update ratio and ‖g_l‖ compared with a
 * recomputation from per-layer weight and gradient arrays read from DL4J ({@code getParam("0_W")},
 * {@code gradient().gradientForVariable()}) independently of the listener: relative 1e-5.
 */
class LayerGroundTruthTest {
    static final int STEPS = 25;
    static final int BATCH = 16;
    static final int INPUTS = 20;
    static final int CLASSES = 5;
    static final List<String> LAYERS = List.of("0", "1", "2");
    static final List<String> PARAMETERS = List.of("W", "b");
    static final double REL = 1e-5;

    /** Per-variable copies (double, of the float32 values) of θ before training, θ after every step and g of every step. */
    static final class Recorder extends BaseTrainingListener {
        final List<Map<String, double[]>> thetas = new ArrayList<>();
        final List<Map<String, double[]>> gradients = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            if (thetas.isEmpty()) {
                thetas.add(params(net));
            }
            Map<String, double[]> g = new HashMap<>();
            for (Map.Entry<String, INDArray> e : net.gradient().gradientForVariable().entrySet()) {
                double[] v = flat(e.getValue());
                for (int i = 0; i < v.length; i++) {
                    v[i] /= model.batchSize(); // the mean minibatch gradient, as the listener ships it
                }
                g.put(e.getKey(), v);
            }
            gradients.add(g);
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            thetas.add(params((MultiLayerNetwork) model));
        }

        private static Map<String, double[]> params(MultiLayerNetwork net) {
            Map<String, double[]> out = new LinkedHashMap<>();
            for (String layer : LAYERS) {
                for (String p : PARAMETERS) {
                    out.put(layer + "_" + p, flat(net.getParam(layer + "_" + p)));
                }
            }
            return out;
        }

        /** A copy of {@code a}'s values in one order (c), whatever its shape and ordering. */
        private static double[] flat(INDArray a) {
            return Nd4j.toFlattened('c', a).toDoubleVector();
        }
    }

    @Test
    void layerNormsEqualARecomputationFromTheWeights() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).updater(new Adam(5e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(16).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(16).nOut(12).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryListener listener = TelemetryListener.builder(TelemetryConfig.builder().run("exp-layers", "run-layers")
                .vectors(VectorRepresentation.sketch(64)).probes(ProbePlan.OFF).background(false)
                .clock(Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC)).build()).sink(sink).attach(net);
        Recorder recorder = new Recorder();
        net.addListeners(recorder);
        Random random = new Random(5);
        listener.around(() -> {
            for (int t = 0; t < STEPS; t++) {
                float[] x = new float[BATCH * INPUTS];
                float[] y = new float[BATCH * CLASSES];
                for (int b = 0; b < BATCH; b++) {
                    double s = 0;
                    for (int i = 0; i < INPUTS; i++) {
                        x[b * INPUTS + i] = (float) random.nextGaussian();
                        s += x[b * INPUTS + i] * (i % 3 - 1);
                    }
                    y[b * CLASSES + (int) Math.floorMod(Math.round(2 * s), (long) CLASSES)] = 1;
                }
                net.fit(new DataSet(Nd4j.create(x, new long[] {BATCH, INPUTS}), Nd4j.create(y, new long[] {BATCH, CLASSES})));
            }
        });

        RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());
        List<List<LayerMeasured>> layersByStep = new ArrayList<>();
        List<StepMeasured> steps = new ArrayList<>();
        for (WireRecords.Decoded d : sink.decoded()) {
            if (d instanceof WireRecords.DecodedRunStarted r) {
                analyzer.onRunStarted(r.record());
            } else if (d instanceof WireRecords.DecodedStep s) {
                List<Update> out = analyzer.onStep(s.record(), 0);
                steps.add((StepMeasured) out.get(0));
                layersByStep.add(out.stream().filter(u -> u instanceof LayerMeasured).map(u -> (LayerMeasured) u).toList());
            }
        }
        assertThat(layersByStep).hasSize(STEPS);
        assertThat(recorder.thetas).hasSize(STEPS + 1);
        assertThat(recorder.gradients).hasSize(STEPS);
        Map<String, double[]> theta0 = recorder.thetas.get(0);
        for (int t = 1; t <= STEPS; t++) {
            List<LayerMeasured> layers = layersByStep.get(t - 1);
            assertThat(layers).extracting(LayerMeasured::layer).containsExactlyElementsOf(LAYERS);
            Map<String, double[]> theta = recorder.thetas.get(t);
            Map<String, double[]> prev = recorder.thetas.get(t - 1);
            Map<String, double[]> g = recorder.gradients.get(t - 1);
            double allParams = 0;
            for (LayerMeasured l : layers) {
                assertThat(l.at().step()).isEqualTo(t);
                assertThat(l.tensors()).isEqualTo(2);
                double pp = 0, dd = 0, ee = 0, gg = 0;
                for (String p : PARAMETERS) {
                    String name = l.layer() + "_" + p;
                    double[] th = theta.get(name);
                    double[] pr = prev.get(name);
                    double[] t0 = theta0.get(name);
                    double[] gr = g.get(name);
                    assertThat(gr).as("gradient of %s", name).hasSameSizeAs(th);
                    for (int i = 0; i < th.length; i++) {
                        pp += th[i] * th[i];
                        dd += (th[i] - pr[i]) * (th[i] - pr[i]);
                        ee += (th[i] - t0[i]) * (th[i] - t0[i]);
                        gg += gr[i] * gr[i];
                    }
                }
                String at = "layer " + l.layer() + " at step " + t;
                assertRel(l.paramNorm(), Math.sqrt(pp), "param_norm of " + at);
                assertRel(l.stepNorm(), Math.sqrt(dd), "step_norm of " + at);
                assertRel(l.displacement(), Math.sqrt(ee), "displacement of " + at);
                assertRel(l.gradNorm(), Math.sqrt(gg), "grad_norm of " + at);
                // The ratio within 1e-5 relative: its log10 within 1e-5 / ln 10.
                assertThat(l.updateRatioLog10()).as("update_ratio_log10 of " + at)
                        .isCloseTo(0.5 * Math.log10(dd / pp), within(REL / Math.log(10)));
                assertThat(l.updateRatioLog10()).as("a sane update ratio for Adam at 5e-3").isBetween(-6.0, 0.0);
                allParams += pp;
            }
            // The layers tile the model: their norms combine to the model's.
            assertRel(steps.get(t - 1).distanceFromOrigin(), Math.sqrt(allParams), "‖θ‖ at step " + t);
        }
    }

    private static void assertRel(double actual, double expected, String what) {
        assertThat(expected).as(what + " (reference)").isPositive();
        assertThat(actual).as(what).isCloseTo(expected, within(REL * expected));
    }
}
