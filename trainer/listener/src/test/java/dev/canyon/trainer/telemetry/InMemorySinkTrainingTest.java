package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;

/**
 * Real DL4J training with the records kept in memory (no broker): the run's records in order, each
 * step's scalars against a double-precision recomputation from g and θ read independently of the
 * listener, and the same bytes whether steps are processed on the training thread or a telemetry thread.
 */
class InMemorySinkTrainingTest {
    static final int STEPS = 12;
    static final int BATCH = 16;
    static final double LR = 0.05;
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    /** Reads g_t (mean over the batch) and θ_t through ND4J, independently of the listener's copies. */
    static final class Recorder extends BaseTrainingListener {
        final List<double[]> gradients = new ArrayList<>();
        final List<double[]> thetas = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            if (thetas.isEmpty()) {
                thetas.add(model.params().toDoubleVector());
            }
            double[] g = model.gradient().gradient().toDoubleVector();
            for (int i = 0; i < g.length; i++) {
                g[i] /= model.batchSize();
            }
            gradients.add(g);
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            thetas.add(model.params().toDoubleVector());
            losses.add(model.score());
        }
    }

    /** No Kafka cluster: the records go to the in-memory sink. */
    private static TelemetryConfig.Builder config(boolean background) {
        return TelemetryConfig.builder().run("exp-memory", "run-memory").vectors(VectorRepresentation.FULL).clock(CLOCK)
                .background(background);
    }

    @Test
    void recordsTheRunInOrderWithTheExactScalars() {
        MultiLayerNetwork net = SmallMlp.network(12, LR, 7);
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryListener listener = TelemetryListener.builder(config(false).build()).sink(sink)
                .description(RunDescription.builder().model("small-mlp").optimizer("sgd").dataset("teacher").batchSize(BATCH)
                        .learningRate(LR).seed(7).build()).attach(net);
        Recorder recorder = new Recorder();
        net.addListeners(recorder);
        listener.around(() -> SmallMlp.fit(net, BATCH, 7, STEPS));

        List<WireRecords.Decoded> records = sink.decoded();
        assertThat(records).hasSize(STEPS + 2);
        assertThat(sink.records(Topics.RUNS)).hasSize(2);
        assertThat(sink.records(Topics.STEPS)).hasSize(STEPS);
        assertThat(sink.records()).allSatisfy(r -> assertThat(r.key()).isEqualTo("run-memory"));

        RunStarted started = ((WireRecords.DecodedRunStarted) records.get(0)).record();
        int d = (int) SmallMlp.parameters(12);
        assertThat(started.getRunId()).isEqualTo("run-memory");
        assertThat(started.getExperimentId()).isEqualTo("exp-memory");
        assertThat(started.getParameterCount()).isEqualTo(d);
        assertThat(started.getModel()).isEqualTo("small-mlp");
        assertThat(started.getBatchSize()).isEqualTo(BATCH);
        assertThat(started.getEventTimeMs()).isEqualTo(CLOCK.millis());
        float[] theta0 = Vectors.toFloats(started.getInitialParameters());
        for (int i = 0; i < d; i++) {
            assertThat((double) theta0[i]).isEqualTo((float) recorder.thetas.get(0)[i]);
        }

        double[] prevG = null;
        double[] prevDelta = null;
        for (int t = 1; t <= STEPS; t++) {
            Step s = ((WireRecords.DecodedStep) records.get(t)).record();
            assertThat(s.getStep()).isEqualTo(t);
            assertThat(s.getBatchSize()).isEqualTo(BATCH);
            assertThat(s.getExamplesSeen()).isEqualTo((long) t * BATCH);
            assertThat(s.getLearningRate()).isEqualTo(LR);
            assertThat(s.getLoss()).isEqualTo(recorder.losses.get(t - 1));
            assertThat(s.getHealth().getSent()).as("records delivered before step %d's", t).isEqualTo(t);
            double[] g = recorder.gradients.get(t - 1);
            double[] theta = recorder.thetas.get(t);
            double[] prev = recorder.thetas.get(t - 1);
            double[] delta = new double[d];
            double gg = 0, dd = 0, tt = 0, ee = 0, gd = 0, gpg = 0, gpd = 0;
            for (int i = 0; i < d; i++) {
                // Δθ as the listener takes it: a float32 difference of float32 parameters.
                delta[i] = (float) theta[i] - (float) prev[i];
                gg += g[i] * g[i];
                dd += delta[i] * delta[i];
                tt += theta[i] * theta[i];
                double e = theta[i] - recorder.thetas.get(0)[i];
                ee += e * e;
                gd += g[i] * delta[i];
                gpg += prevG == null ? 0 : g[i] * prevG[i];
                gpd += prevDelta == null ? 0 : g[i] * prevDelta[i];
            }
            StepScalars sc = s.getScalars();
            // Float32 vectors summed in float blocks (StepScalarsCalculator): relative 1e-5 of the scale of each sum.
            assertThat(sc.getGradNorm()).isCloseTo(Math.sqrt(gg), within(1e-5 * Math.sqrt(gg)));
            assertThat(sc.getDeltaNorm()).isCloseTo(Math.sqrt(dd), within(1e-5 * Math.sqrt(dd)));
            assertThat(sc.getParamNorm()).isCloseTo(Math.sqrt(tt), within(1e-5 * Math.sqrt(tt)));
            assertThat(sc.getDisplacement()).isCloseTo(Math.sqrt(ee), within(1e-4 * Math.sqrt(ee)));
            assertThat(sc.getGradDotDelta()).isCloseTo(gd, within(1e-5 * Math.sqrt(gg * dd)));
            if (prevG == null) {
                assertThat(sc.getGradDotPrevGrad()).isZero();
                assertThat(sc.getGradDotPrevDelta()).isZero();
            } else {
                assertThat(sc.getGradDotPrevGrad()).isCloseTo(gpg, within(1e-5 * Math.sqrt(gg * dot(prevG, prevG))));
                assertThat(sc.getGradDotPrevDelta()).isCloseTo(gpd, within(1e-5 * Math.sqrt(gg * dot(prevDelta, prevDelta))));
            }
            // Plain SGD: Δθ = −η·g.
            assertThat(sc.getGradDotDelta()).isCloseTo(-LR * gg, within(1e-3 * LR * gg));
            prevG = g;
            prevDelta = delta;
        }

        RunEnded ended = ((WireRecords.DecodedRunEnded) records.get(STEPS + 1)).record();
        assertThat(ended.getSteps()).isEqualTo(STEPS);
        assertThat(ended.getOutcome()).isEqualTo(RunEnded.Outcome.COMPLETED);
        assertThat(ended.getFinalLoss()).isEqualTo(recorder.losses.get(STEPS - 1));
        assertThat(ended.getHealth().getSent()).isEqualTo(STEPS + 1);
        DeliveryReport report = sink.report();
        assertThat(report.complete()).isTrue();
        assertThat(report.stepsAcknowledged()).isEqualTo(STEPS);
        assertThat(report.acknowledged()).isEqualTo(STEPS + 2);
    }

    /** One training run watched by two listeners, one processing on a telemetry thread: the same bytes. */
    @Test
    void backgroundAndInlineProcessingPublishTheSameBytes() {
        MultiLayerNetwork net = SmallMlp.network(12, LR, 8);
        InMemoryTelemetrySink inline = new InMemoryTelemetrySink();
        InMemoryTelemetrySink background = new InMemoryTelemetrySink();
        TelemetryListener a = TelemetryListener.builder(config(false).vectors(VectorRepresentation.sketch(32)).build())
                .sink(inline).attach(net);
        TelemetryListener b = TelemetryListener.builder(config(true).vectors(VectorRepresentation.sketch(32)).build())
                .sink(background).attach(net);
        SmallMlp.fit(net, BATCH, 8, STEPS);
        a.close();
        b.close();
        assertThat(background.records()).hasSize(STEPS + 2);
        for (int i = 0; i < STEPS + 2; i++) {
            assertThat(background.records().get(i).frame()).as("record %d", i).isEqualTo(inline.records().get(i).frame());
        }
    }

    /** A listener given to setListeners announces the run at its first step, with θ_0 before that step. */
    @Test
    void aListenerNotYetAttachedAnnouncesTheRunAtItsFirstStep() {
        MultiLayerNetwork net = SmallMlp.network(12, LR, 9);
        float[] theta0 = net.params().toFloatVector();
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryListener listener = TelemetryListener.builder(config(false).build()).sink(sink).build();
        net.setListeners(listener);
        assertThat(sink.records()).isEmpty();
        SmallMlp.fit(net, BATCH, 9, 3);
        listener.close();
        List<WireRecords.Decoded> records = sink.decoded();
        assertThat(records).hasSize(5);
        RunStarted started = ((WireRecords.DecodedRunStarted) records.get(0)).record();
        assertThat(Vectors.toFloats(started.getInitialParameters())).containsExactly(theta0);
        assertThat(records.subList(1, 4)).allSatisfy(r -> assertThat(r).isInstanceOf(WireRecords.DecodedStep.class));
        assertThat(records.get(4)).isInstanceOf(WireRecords.DecodedRunEnded.class);
    }

    /** Closing a listener that never saw a step publishes nothing (there is no run to end). */
    @Test
    void aListenerThatSawNoStepPublishesNothing() {
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryListener.builder(config(false).build()).sink(sink).build().close();
        assertThat(sink.records()).isEmpty();
        assertThat(sink.report().complete()).isTrue();
    }

    /** Records sent after the sink finished are dropped and reported, never silently lost. */
    @Test
    void recordsAfterFinishAreCountedAsDropped() {
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        sink.send(Topics.RUNS, "r", new byte[] {1});
        sink.finish();
        sink.send(Topics.RUNS, "r", new byte[] {2});
        assertThat(sink.records()).hasSize(1);
        assertThat(sink.report().dropped()).isEqualTo(1);
        assertThat(sink.report().complete()).isFalse();
        assertThat(sink.report().firstFailure()).hasMessageContaining("after the sink finished");
        org.assertj.core.api.Assertions.assertThatThrownBy(sink.report()::requireDelivered)
                .isInstanceOf(TelemetryException.class).hasMessageContaining("1 of 2 telemetry records were not delivered");
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
