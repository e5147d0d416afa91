package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.LinearPathProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.Step;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each record that once stopped or corrupted a run's analytics (issue 12) is now rejected with a
 * reason, and the genuine records after it are still accepted: the run's state is untouched.
 */
class BadRecordsTest {
    private static final String RUN = "bad";
    private final RunAnalyzer analyzer = new RunAnalyzer(AnalyticsSettings.defaults());

    private static Step sketched(long t, long seed, float first) {
        float[] g = {first, 0.5f, -0.25f, 1f};
        float[] d = {-0.1f * first, -0.05f, 0.025f, -0.1f};
        Step s = SampleRecords.step(RUN, t, 1_700_000_000_000L + t, 1.0 / t, g, d);
        return s.toBuilder().setGradient(Vectors.sketch(g, 1000, seed)).setDelta(Vectors.sketch(d, 1000, seed)).build();
    }

    private RecordHandler.Outcome send(String topic, byte[] value) {
        return RecordHandler.handle(analyzer, RUN, topic, value, s -> s.getEventTimeMs());
    }

    private RecordHandler.Outcome step(Step s) {
        return send(Topics.STEPS, WireRecords.encode(s));
    }

    private void genuine(long t) {
        RecordHandler.Outcome o = step(sketched(t, 7, 1f));
        assertThat(o.rejection()).as("genuine step %d", t).isNull();
        assertThat(o.updates()).filteredOn(StepMeasured.class::isInstance).hasSize(1);
    }

    @Test
    void aStepFarAheadIsRefusedAndTheRunGoesOn() {
        genuine(1);
        assertThat(step(sketched(1_000_000, 7, 1f)).rejection()).contains("steps past the last accepted step 1");
        genuine(2);
        assertThat(analyzer.lastStep()).isEqualTo(2);
    }

    @Test
    void anotherSketchSeedOrANonFiniteGradientSketchIsRefused() {
        genuine(1);
        assertThat(step(sketched(2, 8, 1f)).rejection()).contains("seed 8").contains("earlier vectors were").contains("seed 7");
        // Finite scalars, but a sketch holding NaN or an infinity.
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Step s = sketched(2, 7, bad);
            s = s.toBuilder().setScalars(sketched(2, 7, 1f).getScalars()).build();
            assertThat(step(s).rejection()).as("sketch holding %s", bad).contains("gradient of step 2 contains NaN or infinite");
        }
        genuine(2);
    }

    @Test
    void forgedOrMisplacedRunEndsDoNotEndTheRun() {
        genuine(1);
        genuine(2);
        byte[] forged = WireRecords.encode(RunEnded.newBuilder().setRunId(RUN).setSteps(0).build());
        assertThat(send(Topics.RUNS, forged).rejection()).contains("says 0 steps, but step 2 was already seen");
        byte[] onSteps = WireRecords.encode(RunEnded.newBuilder().setRunId(RUN).setSteps(10).build());
        assertThat(send(Topics.STEPS, onSteps).rejection()).contains("belong on canyon.runs");
        assertThat(analyzer.finished()).isFalse();
        genuine(3);
        assertThat(send(Topics.RUNS, WireRecords.encode(RunEnded.newBuilder().setRunId(RUN).setSteps(4).build())).rejection()).isNull();
        assertThat(send(Topics.RUNS, WireRecords.encode(RunEnded.newBuilder().setRunId(RUN).setSteps(9).build())).rejection())
                .contains("an earlier one said 4");
        genuine(4);
        assertThat(analyzer.finished()).isTrue();
    }

    @Test
    void stepsOnTheRunsTopicAndProbesAfterTheEndOrFarAheadAreRefused() {
        assertThat(send(Topics.RUNS, WireRecords.encode(sketched(1, 7, 1f))).rejection()).contains("belong on canyon.steps");
        genuine(1);
        Probe.Builder probe = Probe.newBuilder().setRunId(RUN).setExperimentId(SampleRecords.EXPERIMENT)
                .setEventTimeMs(1_700_000_000_000L).setHessian(HessianProbe.newBuilder().setMaxEigenvalue(3).setMinEigenvalue(-1));
        assertThat(send(Topics.STEPS, WireRecords.encode(probe.clone().setStep(500_000).build())).rejection())
                .contains("steps past the last accepted step");
        assertThat(send(Topics.STEPS, WireRecords.encode(probe.clone().setStep(2).build())).rejection()).isNull();
        genuine(2);
        send(Topics.RUNS, WireRecords.encode(RunEnded.newBuilder().setRunId(RUN).setSteps(2).build()));
        assertThat(analyzer.finished()).isTrue();
        // A late probe of a step within the run is still taken; one beyond the run's end is not.
        assertThat(send(Topics.STEPS, WireRecords.encode(probe.clone().setStep(2).build())).rejection()).isNull();
        assertThat(send(Topics.STEPS, WireRecords.encode(probe.clone().setStep(3).build())).rejection())
                .contains("beyond the run's end at step 2");
    }

    @Test
    void implausibleFieldsAreRefusedBeforeTheyReachStateOrStorage() {
        genuine(1);
        assertThat(step(sketched(2, 7, 1f).toBuilder().setEventTimeMs(9_223_372_036_854_775_000L).build()).rejection())
                .contains("event_time_ms");
        Probe inf = Probe.newBuilder().setRunId(RUN).setStep(2).setEventTimeMs(1_700_000_000_002L).setLinearPath(LinearPathProbe
                .newBuilder().addAllAlpha(List.of(0.0, Double.POSITIVE_INFINITY)).addAllTrainLoss(List.of(1.0, 2.0))).build();
        assertThat(send(Topics.STEPS, WireRecords.encode(inf)).rejection()).contains("non-finite alpha");
        assertThat(step(sketched(2, 7, 1f).toBuilder().setStep(Long.MAX_VALUE - 5).build()).rejection()).contains("step number");
        genuine(2);
    }
}
