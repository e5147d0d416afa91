package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.LayerHistogram;
import dev.canyon.contract.proto.Step;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Real DL4J training with histograms every 3 steps: each published histogram has exactly the counts
 * of the same tensors binned here, from θ_t, g_t and Δθ_t read through DL4J's own per-parameter
 * views (paramTable, the gradient's per-variable map), independently of the listener's flattened
 * copies; and the JVM samples come on their schedule with plausible values.
 */
class LayerHistogramsTrainingTest {
    static final int STEPS = 9;
    static final int EVERY = 3;
    static final int BINS = 20;
    /** A power of two, so that dividing the summed gradient by B is exact in float. */
    static final int BATCH = 16;
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    /** Per step: θ_t, g_t (mean) and Δθ_t per parameter tensor, as floats, from DL4J's per-parameter arrays. */
    static final class Recorder extends BaseTrainingListener {
        final List<Map<String, float[]>> thetas = new ArrayList<>();
        final List<Map<String, float[]>> gradients = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            if (thetas.isEmpty()) {
                thetas.add(copy(model.paramTable(), 1f));
            }
            gradients.add(copy(model.gradient().gradientForVariable(), 1f / model.batchSize()));
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            thetas.add(copy(model.paramTable(), 1f));
        }

        private static Map<String, float[]> copy(Map<String, INDArray> table, float scale) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (var e : table.entrySet()) {
                float[] v = e.getValue().dup('c').reshape(e.getValue().length()).toFloatVector();
                for (int i = 0; i < v.length; i++) {
                    v[i] = v[i] * scale;
                }
                out.put(e.getKey(), v);
            }
            return out;
        }
    }

    private final Recorder recorder = new Recorder();

    @Test
    void histogramsEqualExactCountsOfTheSameTensors() {
        MultiLayerNetwork net = SmallMlp.network(12, 0.1, 11);
        InMemoryTelemetrySink sink = new InMemoryTelemetrySink();
        TelemetryConfig config = TelemetryConfig.builder().run("exp-hist", "run-hist").vectors(VectorRepresentation.sketch(64))
                .clock(CLOCK).background(false).histogramEvery(EVERY).histogramBins(BINS).jvmEvery(EVERY).build();
        TelemetryListener listener = TelemetryListener.builder(config).sink(sink).attach(net);
        net.addListeners(recorder);
        listener.around(() -> SmallMlp.fit(net, BATCH, 11, STEPS));

        List<Step> steps = sink.records(Topics.STEPS).stream().map(r -> ((WireRecords.DecodedStep) r.decode()).record()).toList();
        assertThat(steps).hasSize(STEPS);
        int checked = 0;
        for (Step s : steps) {
            int t = (int) s.getStep();
            if (t % EVERY != 0) {
                assertThat(s.getHistogramsList()).as("step %d is off the schedule", t).isEmpty();
                assertThat(s.hasJvm()).isFalse();
                continue;
            }
            // Two layers ("0": 0_W, 0_b; "1": 1_W, 1_b), three kinds each.
            assertThat(s.getHistogramsList()).extracting(LayerHistogram::getLayer).containsExactly("0", "0", "0", "1", "1", "1");
            for (LayerHistogram h : s.getHistogramsList()) {
                float[] values = layerValues(h.getLayer(), h.getKind(), t);
                Expected e = Expected.of(values, BINS);
                String what = "step " + t + " layer " + h.getLayer() + " " + h.getKind();
                assertThat(h.getLo()).as(what + " lo").isEqualTo(e.lo);
                assertThat(h.getHi()).as(what + " hi").isEqualTo(e.hi);
                assertThat(h.getCountsList()).as(what + " counts").containsExactlyElementsOf(e.counts);
                assertThat(h.getCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(values.length);
                // The maximum is counted in the last bin, the minimum in the first.
                assertThat(h.getCounts(BINS - 1)).as(what + " last bin").isGreaterThanOrEqualTo(e.atMax);
                assertThat(e.atMax).isPositive();
                assertThat(h.getCounts(0)).as(what + " first bin").isPositive();
                checked++;
            }
            assertThat(s.hasJvm()).as("JVM sample at step %d", t).isTrue();
            assertThat(s.getJvm().getHeapUsedBytes()).isPositive();
            assertThat(s.getJvm().getHeapMaxBytes()).isGreaterThanOrEqualTo(s.getJvm().getHeapUsedBytes());
            assertThat(s.getJvm().hasStepsPerS()).isTrue();
            assertThat(s.getJvm().getStepsPerS()).isPositive();
        }
        assertThat(checked).isEqualTo(STEPS / EVERY * 6);
        // The test's ND4J backend is JavaCPP's: its native memory is what the JVM sample reports.
        assertThat(JvmStats.offheapSource()).isEqualTo("javacpp");
        assertThat(steps.get(EVERY - 1).getJvm().getOffheapBytes()).isPositive();
    }

    /** The layer's values of one kind at step t, tensors in DL4J's order. */
    private float[] layerValues(String layer, LayerHistogram.Kind kind, int t) {
        List<float[]> parts = new ArrayList<>();
        Map<String, float[]> theta = recorder.thetas.get(t);
        for (String name : theta.keySet()) {
            if (!name.substring(0, name.lastIndexOf('_')).equals(layer)) {
                continue;
            }
            switch (kind) {
                case PARAMS -> parts.add(theta.get(name));
                case GRADIENTS -> parts.add(recorder.gradients.get(t - 1).get(name));
                case UPDATES -> {
                    float[] now = theta.get(name);
                    float[] before = recorder.thetas.get(t - 1).get(name);
                    float[] d = new float[now.length];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = now[i] - before[i];
                    }
                    parts.add(d);
                }
                default -> throw new AssertionError(kind);
            }
        }
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Exact counts by the contract's definition: bin i holds x with min(n − 1, ⌊(x − lo)·(n/(hi − lo))⌋) = i. */
    record Expected(double lo, double hi, List<Long> counts, long atMax) {
        static Expected of(float[] values, int bins) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (float v : values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            long[] c = new long[bins];
            long atMax = 0;
            for (float v : values) {
                int b = hi > lo ? (int) Math.floor((v - lo) * (bins / (hi - lo))) : 0;
                c[Math.min(b, bins - 1)]++;
                atMax += v == hi ? 1 : 0;
            }
            List<Long> counts = new ArrayList<>();
            for (long x : c) {
                counts.add(x);
            }
            return new Expected(lo, hi, counts, atMax);
        }
    }
}
