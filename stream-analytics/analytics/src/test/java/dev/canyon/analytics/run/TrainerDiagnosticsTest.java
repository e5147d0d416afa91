package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.LayerHistogram;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TrainerJvm;
import org.junit.jupiter.api.Test;

/**
 * A step's histograms and JVM sample become typed updates at the step; a step with a bad histogram
 * is rejected with the reason (dead-lettered by the job) and the run goes on.
 */
class TrainerDiagnosticsTest {
    private final RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());

    private static Step step(long t, long... counts) {
        Step s = SampleRecords.step(t);
        var sc = s.getScalars();
        LayerHistogram.Builder h = LayerHistogram.newBuilder().setLayer("0").setKind(LayerHistogram.Kind.UPDATES).setLo(-0.2).setHi(0.025);
        for (long c : counts) {
            h.addCounts(c);
        }
        return s.toBuilder()
                .addTensors(TensorScalars.newBuilder().setName("0_W").setOffset(0).setSize(3).setScalars(sc))
                .addTensors(TensorScalars.newBuilder().setName("0_b").setOffset(3).setSize(2).setScalars(sc))
                .addHistograms(h)
                .setJvm(TrainerJvm.newBuilder().setHeapUsedBytes(1000).setHeapMaxBytes(4000).setOffheapBytes(20).setGcTimeMs(5)
                        .setStepsPerS(40))
                .build();
    }

    private RecordHandler.Outcome send(Step s) {
        return RecordHandler.handle(analyzer, SampleRecords.RUN, Topics.STEPS, WireRecords.encode(s), x -> x.getEventTimeMs());
    }

    @Test
    void histogramsAndJvmSamplesBecomeUpdatesAtTheirStep() {
        RecordHandler.Outcome o = send(step(1, 1, 1, 3));
        assertThat(o.rejection()).isNull();
        assertThat(o.updates()).filteredOn(StepMeasured.class::isInstance).hasSize(1);
        LayerHistogramMeasured h = (LayerHistogramMeasured) o.updates().stream().filter(LayerHistogramMeasured.class::isInstance)
                .findFirst().orElseThrow();
        assertThat(h.at().step()).isEqualTo(1);
        assertThat(h.layer()).isEqualTo("0");
        assertThat(h.kind()).isEqualTo(LayerHistogramMeasured.Kind.UPDATES);
        assertThat(h.counts()).containsExactly(1, 1, 3);
        assertThat(h.total()).isEqualTo(5);
        assertThat(h.lo()).isEqualTo(-0.2);
        assertThat(h.hi()).isEqualTo(0.025);
        assertThat(o.updates()).filteredOn(TrainerJvmSampled.class::isInstance).singleElement()
                .isEqualTo(new TrainerJvmSampled(h.at(), 1000, 4000, 20, 5, 40));
    }

    @Test
    void aStepWithABadHistogramIsRejectedAndTheRunGoesOn() {
        assertThat(send(step(1, 1, 1, 3)).rejection()).isNull();
        RecordHandler.Outcome bad = send(step(2, 1, 1));
        assertThat(bad.rejection()).contains("histogram UPDATES of layer '0' (run run-golden, step 2)")
                .contains("counts add up to 2, the layer's tensors hold 5 values");
        assertThat(bad.updates()).isEmpty();
        assertThat(analyzer.lastStep()).isEqualTo(1);
        assertThat(send(step(2, 5)).rejection()).isNull();
        assertThat(analyzer.lastStep()).isEqualTo(2);
    }
}
