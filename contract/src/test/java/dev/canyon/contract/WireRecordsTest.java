package dev.canyon.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorVector;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WireRecordsTest {

    @Test
    void stepRoundTripsWithVectorsIntact() {
        Step step = SampleRecords.step(7);
        Step back = WireRecords.decodeStep(WireRecords.encode(step));
        assertThat(back).isEqualTo(step);
        assertThat(Vectors.toFloats(back.getGradient())).containsExactly(0.5f, -0.25f, 1f, 0f, 2f);
    }

    @Test
    void everyKindDecodesToItsType() {
        assertThat(WireRecords.decode(WireRecords.encode(SampleRecords.runStarted())))
                .isInstanceOf(WireRecords.DecodedRunStarted.class);
        assertThat(WireRecords.decode(WireRecords.encode(SampleRecords.runEnded())))
                .isInstanceOf(WireRecords.DecodedRunEnded.class);
        assertThat(WireRecords.decode(WireRecords.encode(SampleRecords.step(1))).runId()).isEqualTo(SampleRecords.RUN);
    }

    @Test
    void truncatedRecordIsNamedTruncated() {
        byte[] bytes = WireRecords.encode(SampleRecords.step(1));
        for (int cut : new int[] {0, 5, 11, bytes.length / 2, bytes.length - 1}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> WireRecords.decode(truncated))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void unknownVersionIsRejectedWithBothVersions() {
        byte[] bytes = WireRecords.encode(SampleRecords.step(1));
        bytes[2] = 9;
        assertThatThrownBy(() -> WireRecords.decode(bytes))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("unknown wire version 9")
                .hasMessageContaining("version 1");
    }

    @Test
    void flippedPayloadBitFailsTheChecksum() {
        byte[] bytes = WireRecords.encode(SampleRecords.step(1));
        bytes[20] ^= 0x10;
        assertThatThrownBy(() -> WireRecords.decode(bytes)).hasMessageContaining("checksum mismatch");
    }

    @Test
    void foreignBytesAreNotACanyonRecord() {
        byte[] bytes = "{\"loss\": 1.0, \"step\": 3}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> WireRecords.decode(bytes)).hasMessageContaining("not a Canyon record");
    }

    @Test
    void unknownKindIsNamed() {
        byte[] bytes = WireRecords.encode(SampleRecords.step(1));
        bytes[3] = 77;
        assertThatThrownBy(() -> WireRecords.decode(bytes)).hasMessageContaining("unknown record kind code 77");
    }

    @Test
    void wrongVectorLengthIsRejected() {
        Step good = SampleRecords.step(2);
        TensorVector shortDelta = good.getDelta().toBuilder()
                .setData(good.getDelta().getData().substring(0, 12))
                .build();
        Step bad = good.toBuilder().setDelta(shortDelta).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(bad)))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("delta of step 2 has wrong length")
                .hasMessageContaining("dimension 5 needs 20 bytes")
                .hasMessageContaining("12 bytes arrived");
    }

    @Test
    void gradientAndDeltaMustShareADimension() {
        Step good = SampleRecords.step(2);
        Step bad = good.toBuilder().setGradient(Vectors.full(new float[] {1f, 2f})).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(bad)))
                .hasMessageContaining("gradient dimension 2 differs from delta dimension 5");
    }

    @Test
    void nonFiniteLossIsRejected() {
        for (double loss : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            Step bad = SampleRecords.step(3).toBuilder().setLoss(loss).build();
            assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(bad)))
                    .hasMessageContaining("loss must be finite, got " + loss)
                    .hasMessageContaining("step 3");
        }
    }

    @Test
    void nonFiniteScalarIsRejected() {
        Step good = SampleRecords.step(3);
        Step bad = good.toBuilder().setScalars(good.getScalars().toBuilder().setGradNorm(Double.NaN)).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(bad))).hasMessageContaining("scalars.grad_norm");
    }

    @Test
    void missingIdentifiersAndVectorsAreRejected() {
        Step good = SampleRecords.step(3);
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setRunId("").build())))
                .hasMessageContaining("empty run_id");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setStep(0).build())))
                .hasMessageContaining("step number must be in [1, ");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().clearDelta().build())))
                .hasMessageContaining("lacks its delta");
    }

    @Test
    void unsupportedEncodingIsNamed() {
        Step good = SampleRecords.step(3);
        TensorVector half = good.getGradient().toBuilder()
                .setEncoding(dev.canyon.contract.proto.Encoding.FLOAT16)
                .setData(ByteString.copyFrom(new byte[10]))
                .build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setGradient(half).build())))
                .hasMessageContaining("encoding FLOAT16");
    }

    @Test
    void tensorScalarsMustTileTheParameterVector() {
        Step good = SampleRecords.step(2);
        var sc = good.getScalars();
        Step tiled = good.toBuilder()
                .addTensors(dev.canyon.contract.proto.TensorScalars.newBuilder().setName("0_W").setOffset(0).setSize(3).setScalars(sc))
                .addTensors(dev.canyon.contract.proto.TensorScalars.newBuilder().setName("0_b").setOffset(3).setSize(2).setScalars(sc))
                .build();
        assertThat(WireRecords.decodeStep(WireRecords.encode(tiled)).getTensorsCount()).isEqualTo(2);
        Step gap = good.toBuilder()
                .addTensors(dev.canyon.contract.proto.TensorScalars.newBuilder().setName("0_W").setOffset(0).setSize(3).setScalars(sc))
                .addTensors(dev.canyon.contract.proto.TensorScalars.newBuilder().setName("0_b").setOffset(4).setSize(1).setScalars(sc))
                .build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(gap))).hasMessageContaining("tensor '0_b' of step 2 starts at 4, expected 3");
        Step shortCover = good.toBuilder()
                .addTensors(dev.canyon.contract.proto.TensorScalars.newBuilder().setName("0_W").setOffset(0).setSize(3).setScalars(sc))
                .build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(shortCover))).hasMessageContaining("cover 3 parameters, the vectors have 5");
    }

    /** Fields that reach state or storage are checked: event times in a plausible window, bounded steps, non-negative counts and norms, finite alphas. */
    @Test
    void implausibleValuesAreRejectedWithTheFieldNamed() {
        Step good = SampleRecords.step(3);
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setEventTimeMs(9_223_372_036_854_775_000L).build())))
                .hasMessageContaining("event_time_ms must be in").hasMessageContaining("9223372036854775000");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setEventTimeMs(0).build())))
                .hasMessageContaining("event_time_ms");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setStep(Long.MAX_VALUE - 5).build())))
                .hasMessageContaining("step number must be in");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setLearningRate(-0.1).build())))
                .hasMessageContaining("learning_rate must be >= 0");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setEpoch(-1).build())))
                .hasMessageContaining("epoch must be >= 0");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder().setBatchSize(-1).build())))
                .hasMessageContaining("batch_size must be >= 1");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder()
                .setScalars(good.getScalars().toBuilder().setDeltaNorm(-1)).build()))).hasMessageContaining("scalars.delta_norm must be >= 0");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder()
                .setHealth(good.getHealth().toBuilder().setDropped(-1)).build()))).hasMessageContaining("health.dropped must be >= 0");
        dev.canyon.contract.proto.Probe probe = dev.canyon.contract.proto.Probe.newBuilder().setRunId("r").setStep(3)
                .setEventTimeMs(1_700_000_000_000L).setLinearPath(dev.canyon.contract.proto.LinearPathProbe.newBuilder()
                        .addAllAlpha(java.util.List.of(0.0, Double.POSITIVE_INFINITY)).addAllTrainLoss(java.util.List.of(1.0, 2.0))).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(probe))).hasMessageContaining("non-finite alpha");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(probe.toBuilder().setEventTimeMs(Long.MAX_VALUE).build())))
                .hasMessageContaining("probe event_time_ms");
        dev.canyon.contract.proto.GradientNoiseProbe noise = dev.canyon.contract.proto.GradientNoiseProbe.newBuilder().setParts(4)
                .setPartSize(16).setGradNormSq(-0.01).setGradNormSqStderr(0.02).setNoiseTrace(3.5).build();
        dev.canyon.contract.proto.Probe noiseProbe = probe.toBuilder().setGradientNoise(noise).build();
        assertThat(WireRecords.decode(WireRecords.encode(noiseProbe))).isInstanceOf(WireRecords.DecodedProbe.class);
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(noiseProbe.toBuilder()
                .setGradientNoise(noise.toBuilder().setParts(1)).build()))).hasMessageContaining("at least 2 parts");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(noiseProbe.toBuilder()
                .setGradientNoise(noise.toBuilder().setNoiseTrace(-1)).build()))).hasMessageContaining("non-negative standard error and noise trace");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(noiseProbe.toBuilder()
                .setGradientNoise(noise.toBuilder().setGradNormSq(Double.NaN)).build()))).hasMessageContaining("finite gradient estimate");
    }

    /** The optimizer configuration travels in run-started; readers see "not set" on records without it (golden v1). */
    @Test
    void optimizerConfigRoundTripsAndIsOptional() {
        OptimizerConfig adam = OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.ADAM).setName("Adam")
                .setBeta1(0.9).setBeta2(0.999).setEpsilon(1e-8).build();
        RunStarted withAdam = SampleRecords.runStarted().toBuilder().setOptimizerConfig(adam).build();
        RunStarted back = ((WireRecords.DecodedRunStarted) WireRecords.decode(WireRecords.encode(withAdam))).record();
        assertThat(back.getOptimizerConfig()).isEqualTo(adam);
        RunStarted without = ((WireRecords.DecodedRunStarted) WireRecords.decode(WireRecords.encode(SampleRecords.runStarted()))).record();
        assertThat(without.hasOptimizerConfig()).isFalse();
        assertThat(without.getOptimizerConfig().getKind()).isEqualTo(OptimizerConfig.Kind.KIND_UNSPECIFIED);
    }

    @Test
    void optimizerConfigNumbersMustBeFiniteAndNonNegative() {
        RunStarted good = SampleRecords.runStarted();
        OptimizerConfig nesterov = OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.NESTEROV).setName("Nesterovs")
                .setMomentum(0.9).build();
        assertThat(WireRecords.decode(WireRecords.encode(good.toBuilder().setOptimizerConfig(nesterov).build())))
                .isInstanceOf(WireRecords.DecodedRunStarted.class);
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder()
                .setOptimizerConfig(nesterov.toBuilder().setMomentum(-0.5)).build())))
                .hasMessageContaining("optimizer_config.momentum must be finite and >= 0, got -0.5").hasMessageContaining(SampleRecords.RUN);
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder()
                .setOptimizerConfig(nesterov.toBuilder().setBeta1(Double.NaN)).build())))
                .hasMessageContaining("optimizer_config.beta1");
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(good.toBuilder()
                .setOptimizerConfig(nesterov.toBuilder().setEpsilon(Double.POSITIVE_INFINITY)).build())))
                .hasMessageContaining("optimizer_config.epsilon");
    }

    @Test
    void preconditionedEigenvalueIsOptionalAndFiniteWhenSet() {
        HessianProbe plain = HessianProbe.newBuilder().setMaxEigenvalue(3).setMinEigenvalue(-1).setIterations(10).build();
        Probe probe = Probe.newBuilder().setRunId("r").setStep(3).setEventTimeMs(1_700_000_000_000L).setHessian(plain).build();
        Probe back = ((WireRecords.DecodedProbe) WireRecords.decode(WireRecords.encode(probe))).record();
        assertThat(back.getHessian().hasPreconditionedMaxEigenvalue()).isFalse();

        Probe adam = probe.toBuilder().setHessian(plain.toBuilder().setPreconditionedMaxEigenvalue(-0.0)).build();
        Probe adamBack = ((WireRecords.DecodedProbe) WireRecords.decode(WireRecords.encode(adam))).record();
        assertThat(adamBack.getHessian().hasPreconditionedMaxEigenvalue()).as("set, even to a default value").isTrue();
        assertThat(adamBack.getHessian().getPreconditionedMaxEigenvalue()).isEqualTo(-0.0);

        Probe negative = probe.toBuilder().setHessian(plain.toBuilder().setPreconditionedMaxEigenvalue(-2.5)).build();
        assertThat(WireRecords.decode(WireRecords.encode(negative))).isInstanceOf(WireRecords.DecodedProbe.class);
        Probe nan = probe.toBuilder().setHessian(plain.toBuilder().setPreconditionedMaxEigenvalue(Double.NaN)).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(nan)))
                .hasMessageContaining("non-finite preconditioned_max_eigenvalue NaN");
    }
}
