package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.job.kafka.DeadLetter;
import dev.canyon.job.kafka.RawRecord;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The keyed operator with Flink's test harness: state, checkpoint and restore, side output. */
class StepAnalyticsFunctionTest {
    private static final int DIM = 40;
    private long offset;

    @Test
    void restoredFromASnapshotItContinuesExactlyAsUninterrupted() throws Exception {
        List<Step> steps = steps("r", 80, 1);
        List<Update> uninterruptedUpdates;
        try (var h = harness()) {
            h.open();
            steps.forEach(s -> push(h, "r", WireRecords.encode(s)));
            uninterruptedUpdates = h.extractOutputValues();
        }
        // Compared as stored (the updates hold arrays, whose records compare by identity).
        List<StoredPoint> uninterrupted = UpdatePoints.of(uninterruptedUpdates);
        // Per-step points, every 10 steps indicators, PCA every 10 steps from its third sample (step 20) while it holds fewer than
        // 10 samples, the obstacle state from step 70 (decided from step 50, a full window, and shown once 3 windows agree).
        assertThat(uninterruptedUpdates).filteredOn(StepMeasured.class::isInstance).hasSize(80);
        assertThat(uninterruptedUpdates).filteredOn(WindowIndicators.class::isInstance).hasSize(8);
        assertThat(uninterruptedUpdates).filteredOn(PcaSnapshot.class::isInstance).hasSize(7);
        assertThat(uninterruptedUpdates).filteredOn(ObstacleDecision.class::isInstance).hasSize(2);

        OperatorSubtaskState snapshot;
        List<Update> before;
        try (var h = harness()) {
            h.open();
            steps.subList(0, 33).forEach(s -> push(h, "r", WireRecords.encode(s)));
            snapshot = h.snapshot(1, 1);
            before = h.extractOutputValues();
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            steps.subList(33, 80).forEach(s -> push(h, "r", WireRecords.encode(s)));
            List<Update> after = h.extractOutputValues();
            assertThat(UpdatePoints.of(concat(before, after))).containsExactlyElementsOf(uninterrupted);
            // A step replayed after the restore (Kafka re-delivers what followed the checkpoint) is a duplicate now.
            push(h, "r", WireRecords.encode(steps.get(79)));
            assertThat(h.extractOutputValues()).hasSize(after.size());
            assertThat(reasons(h)).containsExactly("duplicate step 80 of run r (last accepted step 80)");
        }
    }

    @Test
    void unusableRecordsGoToTheSideOutputAndLeaveStateAlone() throws Exception {
        try (var h = harness()) {
            h.open();
            List<Step> steps = steps("r", 3, 2);
            push(h, "r", WireRecords.encode(steps.get(0)));
            push(h, "other", WireRecords.encode(steps.get(1)));
            Step wrongDim = steps("r", 2, 3).get(1).toBuilder()
                    .setGradient(dev.canyon.contract.Vectors.full(new float[DIM + 1]))
                    .setDelta(dev.canyon.contract.Vectors.full(new float[DIM + 1])).build();
            push(h, "r", WireRecords.encode(wrongDim));
            float[] nan = new float[DIM];
            nan[3] = Float.NaN;
            push(h, "r", WireRecords.encode(steps.get(1).toBuilder().setDelta(dev.canyon.contract.Vectors.full(nan)).build()));
            push(h, "r", null);
            push(h, "r", WireRecords.encode(steps.get(1)));
            push(h, "r", WireRecords.encode(steps.get(2)));

            assertThat(reasons(h)).satisfiesExactly(
                    r -> assertThat(r).contains("run_id 'r' differs from the record key 'other'"),
                    r -> assertThat(r).contains("41 values, this run's earlier deltas had 40"),
                    r -> assertThat(r).contains("NaN"),
                    r -> assertThat(r).contains("no value"));
            List<Update> out = h.extractOutputValues().stream().filter(u -> !(u instanceof AlertTransition)).toList();
            assertThat(out).hasSize(3).allSatisfy(u -> assertThat(u).isInstanceOf(StepMeasured.class));
            assertThat(out).extracting(u -> ((StepMeasured) u).at().step()).containsExactly(1L, 2L, 3L);
        }
    }

    /** Sketched runs carry approximate vectors; the distances come from the exact scalars instead. */
    @Test
    void sketchedRunsUseTheExactScalars() throws Exception {
        dev.canyon.kernels.sketch.CountSketch cs = new dev.canyon.kernels.sketch.CountSketch(DIM, 8, 5);
        try (var h = harness()) {
            h.open();
            double path = 0;
            for (Step full : steps("s", 4, 4)) {
                Step sketched = full.toBuilder()
                        .setGradient(dev.canyon.contract.Vectors.sketch(cs.apply(dev.canyon.contract.Vectors.toFloats(full.getGradient())), DIM, 5))
                        .setDelta(dev.canyon.contract.Vectors.sketch(cs.apply(dev.canyon.contract.Vectors.toFloats(full.getDelta())), DIM, 5))
                        .build();
                push(h, "s", WireRecords.encode(sketched));
                path += full.getScalars().getDeltaNorm();
                Update last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
                assertThat(last).isInstanceOf(StepMeasured.class);
                assertThat(((StepMeasured) last).pathLength()).isEqualTo(path);
                assertThat(((StepMeasured) last).displacement()).isEqualTo(full.getScalars().getDisplacement());
            }
            assertThat(reasons(h)).isEmpty();
        }
    }

    /** A flat loss opens one plateau alert after the patience; silence opens by timer and resolves at the next step. */
    @Test
    void stallAlertsGoToTheSideOutputAndToInfluxPoints() throws Exception {
        var config = new dev.canyon.kernels.stall.StallDetector.Config(0.5, 20, 1e-3, java.time.Duration.ofSeconds(60), 10, 5);
        try (var h = harness(new StepAnalyticsFunction(AnalyticsSettings.builder().stall(config).build(), java.time.Duration.ofDays(1)))) {
            h.open();
            h.setProcessingTime(1_000);
            List<Step> steps = steps("p", 40, 5);
            for (Step st : steps) {
                push(h, "p", WireRecords.encode(st.toBuilder().setLoss(1.0).build()));
            }
            List<AlertTransition> alerts = alerts(h);
            assertThat(alerts).singleElement().satisfies(a -> {
                assertThat(a.kind().name()).isEqualTo("PLATEAU");
                assertThat(a.open()).isTrue();
                assertThat(a.at().step()).isEqualTo(21);
            });
            // The same transition goes to InfluxDB.
            assertThat(h.extractOutputValues()).filteredOn(AlertTransition.class::isInstance).containsExactlyElementsOf(alerts);
            h.setProcessingTime(1_000 + 60_000);
            assertThat(alerts(h)).hasSize(2).last().satisfies(a -> {
                assertThat(a.kind().name()).isEqualTo("SILENCE");
                assertThat(a.open()).isTrue();
                assertThat(a.at().step()).isEqualTo(40);
            });
            Step next = steps("p", 41, 5).get(40);
            push(h, "p", WireRecords.encode(next.toBuilder().setLoss(1.0).build()));
            assertThat(alerts(h)).hasSize(3).last().satisfies(a -> {
                assertThat(a.kind().name()).isEqualTo("SILENCE");
                assertThat(a.open()).isFalse();
            });
        }
    }

    /**
     * Silence after a NaN step still fires (the step restarted the clock); a run that announced its
     * end raises no silence alert even when its last step never came.
     */
    @Test
    void silenceFollowsNonFiniteStepsAndStopsAtTheRunsEnd() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(1_000);
            List<Step> steps = steps("n", 5, 7);
            for (Step st : steps.subList(0, 4)) {
                push(h, "n", WireRecords.encode(st));
            }
            h.setProcessingTime(30_000);
            push(h, "n", WireRecords.encode(steps.get(4).toBuilder().setLoss(Double.NaN).build()));
            h.setProcessingTime(61_000); // 60 s after the last good step, 31 s after the NaN one
            assertThat(alerts(h)).extracting(a -> a.kind().name()).containsExactly("DIVERGENCE");
            h.setProcessingTime(90_001);
            assertThat(alerts(h)).extracting(a -> a.kind().name() + (a.open() ? "+" : "-")).containsExactly("DIVERGENCE+", "SILENCE+");

            List<Step> e = steps("e", 5, 8);
            for (Step st : e.subList(0, 4)) {
                push(h, "e", WireRecords.encode(st));
            }
            var ended = dev.canyon.contract.proto.RunEnded.newBuilder().setRunId("e").setSteps(5).build();
            h.processElement(new RawRecord(Topics.RUNS, 0, offset++, "e".getBytes(StandardCharsets.UTF_8), WireRecords.encode(ended)),
                    offset);
            h.setProcessingTime(500_000);
            assertThat(alerts(h)).filteredOn(a -> a.at().run().equals("e")).isEmpty();
        }
    }

    private static List<AlertTransition> alerts(KeyedOneInputStreamOperatorTestHarness<String, RawRecord, Update> h) {
        var side = h.getSideOutput(StepAnalyticsFunction.ALERTS);
        return side == null ? List.of() : side.stream().map(r -> (AlertTransition) r.getValue()).toList();
    }

    private static List<Update> concat(List<Update> a, List<Update> b) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> reasons(KeyedOneInputStreamOperatorTestHarness<String, RawRecord, Update> h) {
        var side = h.getSideOutput(StepAnalyticsFunction.DEAD_LETTERS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).map(d -> ((DeadLetter) d).reason).toList();
    }

    private void push(KeyedOneInputStreamOperatorTestHarness<String, RawRecord, Update> h, String key, byte[] value) {
        try {
            h.processElement(new RawRecord(Topics.STEPS, 0, offset++, key.getBytes(StandardCharsets.UTF_8), value), offset);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A harness not yet opened, so that state can be restored into it first. */
    private static KeyedOneInputStreamOperatorTestHarness<String, RawRecord, Update> harness() throws Exception {
        return harness(new StepAnalyticsFunction());
    }

    /**
     * A harness for {@code f} whose output serializer takes every kind of update (the harness would
     * otherwise pick one from the first record's class).
     */
    private static KeyedOneInputStreamOperatorTestHarness<String, RawRecord, Update> harness(StepAnalyticsFunction f) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), RawRecord::keyString, Types.STRING);
        h.setup(org.apache.flink.api.common.typeinfo.TypeInformation.of(Update.class)
                .createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()));
        return h;
    }

    private static List<Step> steps(String run, int n, long seed) {
        Random r = new Random(seed);
        var out = new java.util.ArrayList<Step>();
        for (int t = 1; t <= n; t++) {
            float[] g = new float[DIM];
            float[] d = new float[DIM];
            for (int i = 0; i < DIM; i++) {
                g[i] = (float) r.nextGaussian();
                d[i] = -0.1f * g[i];
            }
            out.add(SampleRecords.step(run, t, 1_700_000_000_000L + t, 1.0 / t, g, d));
        }
        return out;
    }
}
