package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.kernels.stability.OptimizerSpec;
import dev.canyon.kernels.stability.StabilityRatio;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizersTest {

    @Test
    void everyKindRoundTrips() {
        for (OptimizerSpec spec : List.of(OptimizerSpec.sgd(), OptimizerSpec.momentum(0.9), OptimizerSpec.nesterov(0.95),
                OptimizerSpec.adam(0.9, 0.999, 1e-8), OptimizerSpec.other("AdaGrad"), OptimizerSpec.unknown())) {
            assertThat(Optimizers.fromWire(Optimizers.toWire(spec))).isEqualTo(spec);
        }
    }

    @Test
    void aRunStartedWithoutConfigurationIsUnknown() {
        assertThat(Optimizers.fromRunStarted(SampleRecords.runStarted())).isEqualTo(OptimizerSpec.unknown());
        assertThat(Optimizers.fromRunStarted(null)).isEqualTo(OptimizerSpec.unknown());
        OptimizerConfig nesterov = OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.NESTEROV).setName("Nesterovs")
                .setMomentum(0.9).build();
        assertThat(Optimizers.fromRunStarted(SampleRecords.runStarted().toBuilder().setOptimizerConfig(nesterov).build()))
                .isEqualTo(new OptimizerSpec(OptimizerSpec.Kind.NESTEROV, "Nesterovs", 0.9, 0, 0, 0));
    }

    @Test
    void aKindFromANewerWriterIsOtherAndSaysSo() {
        OptimizerConfig future = OptimizerConfig.newBuilder().setKindValue(42).setName("Lion").build();
        OptimizerSpec spec = Optimizers.fromWire(future);
        assertThat(spec.kind()).isEqualTo(OptimizerSpec.Kind.OTHER);
        assertThat(StabilityRatio.of(spec, 0.1, 3, 3).absentReason())
                .isEqualTo("no closed-form edge of stability for Lion (optimizer kind 42, unknown to this reader)");
    }
}
