package dev.canyon.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.proto.LayerHistogram;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TrainerJvm;
import org.junit.jupiter.api.Test;

/** Layers, binning and the rules a step's histograms and JVM sample must follow to be decoded. */
class StepDiagnosticsTest {

    /** A 5-parameter step with tensors 0_W (3 values) and 0_b (2): one layer "0" of 5 values. */
    private static Step.Builder withTensors() {
        Step s = SampleRecords.step(2);
        var sc = s.getScalars();
        return s.toBuilder()
                .addTensors(TensorScalars.newBuilder().setName("0_W").setOffset(0).setSize(3).setScalars(sc))
                .addTensors(TensorScalars.newBuilder().setName("0_b").setOffset(3).setSize(2).setScalars(sc));
    }

    private static LayerHistogram.Builder histogram(long... counts) {
        LayerHistogram.Builder h = LayerHistogram.newBuilder().setLayer("0").setKind(LayerHistogram.Kind.PARAMS).setLo(-1).setHi(2);
        for (long c : counts) {
            h.addCounts(c);
        }
        return h;
    }

    private static Step decode(Step s) {
        return WireRecords.decodeStep(WireRecords.encode(s));
    }

    @Test
    void layersAreTheNamesBeforeTheLastUnderscore() {
        assertThat(StepDiagnostics.layerOf("0_W")).isEqualTo("0");
        assertThat(StepDiagnostics.layerOf("10_b")).isEqualTo("10");
        assertThat(StepDiagnostics.layerOf("dense_1_W")).isEqualTo("dense_1");
        assertThat(StepDiagnostics.layerOf("W")).isEqualTo("W");
        assertThat(StepDiagnostics.layerOf("_W")).isEqualTo("_W");
    }

    @Test
    void binsAreEqualWidthWithTheMaximumInTheLast() {
        assertThat(StepDiagnostics.bin(-1, -1, 1, 4)).isZero();
        assertThat(StepDiagnostics.bin(-0.5, -1, 1, 4)).isEqualTo(1);
        assertThat(StepDiagnostics.bin(0.49, -1, 1, 4)).isEqualTo(2);
        assertThat(StepDiagnostics.bin(1, -1, 1, 4)).isEqualTo(3);
        assertThat(StepDiagnostics.bin(3, 3, 3, 4)).isZero();
    }

    @Test
    void aValidHistogramAndJvmSampleDecode() {
        Step s = withTensors().addHistograms(histogram(2, 0, 3))
                .addHistograms(histogram(5).setKind(LayerHistogram.Kind.UPDATES).setLo(0).setHi(0))
                .setJvm(TrainerJvm.newBuilder().setHeapUsedBytes(1 << 20).setHeapMaxBytes(1 << 30).setOffheapBytes(7).setGcTimeMs(3)
                        .setStepsPerS(12.5))
                .build();
        Step back = decode(s);
        assertThat(back.getHistogramsList()).hasSize(2);
        assertThat(back.getJvm().getStepsPerS()).isEqualTo(12.5);
        assertThat(decode(withTensors().setJvm(TrainerJvm.newBuilder().setHeapUsedBytes(1)).build()).getJvm().hasStepsPerS()).isFalse();
    }

    @Test
    void aBadHistogramIsRejectedWithItsReason() {
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(2, 2)).build()))
                .hasMessageContaining("histogram PARAMS of layer '0' (run run-golden, step 2)")
                .hasMessageContaining("counts add up to 4, the layer's tensors hold 5 values");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(5).setLo(3)).build()))
                .hasMessageContaining("lo and hi must be finite with lo <= hi, got lo 3.0, hi 2.0");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(5).setHi(Double.NaN)).build()))
                .hasMessageContaining("must be finite");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(new long[StepDiagnostics.MAX_BINS + 1])).build()))
                .hasMessageContaining("must have 1 to 256 bins, got 257");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram()).build())).hasMessageContaining("got 0");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(5).setLayer("1")).build()))
                .hasMessageContaining("no tensor of the step belongs to this layer (tensors: [0_W, 0_b])");
        assertThatThrownBy(() -> decode(SampleRecords.step(2).toBuilder().addHistograms(histogram(5)).build()))
                .hasMessageContaining("no tensor of the step belongs to this layer");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(5).setKind(LayerHistogram.Kind.KIND_UNSPECIFIED)).build()))
                .hasMessageContaining("kind must be PARAMS, GRADIENTS or UPDATES");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(5)).addHistograms(histogram(1, 4)).build()))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> decode(withTensors().addHistograms(histogram(-1L, 6)).build()))
                .hasMessageContaining("a bin counts 18446744073709551615 values, the layer has 5");
    }

    @Test
    void aBadJvmSampleIsRejected() {
        assertThatThrownBy(() -> decode(withTensors().setJvm(TrainerJvm.newBuilder().setStepsPerS(Double.POSITIVE_INFINITY)).build()))
                .hasMessageContaining("steps_per_s must be finite and >= 0");
        assertThatThrownBy(() -> decode(withTensors().setJvm(TrainerJvm.newBuilder().setGcTimeMs(-5)).build()))
                .hasMessageContaining("beyond 2^63 - 1");
    }
}
