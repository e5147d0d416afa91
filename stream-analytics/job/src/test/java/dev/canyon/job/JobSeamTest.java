package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.job.kafka.DeadLetter;
import dev.canyon.job.kafka.RawRecord;
import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.storage.UpdatePoints;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job through its source/sink seam, without Kafka or InfluxDB: a bounded source of records,
 * collecting sinks, a MiniCluster at parallelism 2. What the job emits equals what the offline path
 * (the same record handler per run, then the cross-run distances) computes from the same records,
 * point for point; unusable records reach the dead-letter sink with their reasons; a non-finite step
 * opens a divergence alert on the alert sink.
 */
class JobSeamTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int DIM = 16;
    private static final int STEPS = 120;

    @Test
    void theJobEmitsWhatTheOfflinePathComputes() throws Exception {
        List<RawRecord> records = records();
        String id = "seam-" + System.nanoTime();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StepAnalyticsJob.build(env.fromData(TypeInformation.of(RawRecord.class), records.toArray(new RawRecord[0])),
                new StepAnalyticsJob.Sinks(new Collecting<>(id + "-updates"), new Collecting<>(id + "-dead"),
                        new Collecting<>(id + "-alerts")),
                AnalyticsSettings.defaults(), false);
        env.execute("seam");

        List<Update> updates = Collecting.drain(id + "-updates");
        List<DeadLetter> dead = Collecting.drain(id + "-dead");
        List<AlertTransition> alerts = Collecting.drain(id + "-alerts");

        assertThat(updates).filteredOn(StepMeasured.class::isInstance).hasSize(2 * STEPS + 2);
        assertThat(updates).filteredOn(CrossRunDistance.class::isInstance).isNotEmpty();
        assertThat(updates).noneMatch(Position.class::isInstance);
        assertThat(dead).extracting(d -> d.reason).anySatisfy(r -> assertThat(r).contains("frame"))
                .anySatisfy(r -> assertThat(r).contains("NaN"));
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.at().run()).isEqualTo("seam-nan");
            assertThat(a.open()).isTrue();
        });
        assertThat(updates).filteredOn(AlertTransition.class::isInstance).containsExactlyElementsOf(alerts);

        List<String> job = sorted(UpdatePoints.of(updates).stream().map(Object::toString).toList());
        List<String> offline = sorted(UpdatePoints.of(offline(records)).stream().map(Object::toString).toList());
        assertThat(job).hasSizeGreaterThan(3 * 2 * STEPS).containsExactlyElementsOf(offline);
    }

    /** The same records, one analyzer per key in record order, then the positions through the cross-run distances. */
    private static List<Update> offline(List<RawRecord> records) {
        Map<String, RunAnalyzer> runs = new HashMap<>();
        List<Update> out = new ArrayList<>();
        List<Position> positions = new ArrayList<>();
        for (RawRecord r : records) {
            RunAnalyzer a = runs.computeIfAbsent(r.keyString(), k -> new RunAnalyzer(AnalyticsSettings.defaults()));
            for (Update u : RecordHandler.handle(a, r.keyString(), r.topic, r.value, s -> 0L).updates()) {
                if (u instanceof Position p) {
                    positions.add(p);
                } else {
                    out.add(u);
                }
            }
        }
        CrossRunDistances distances = new CrossRunDistances(CrossRunFunction.KEPT_PER_RUN);
        for (Position p : positions) {
            for (CrossRunDistances.Pair pair : distances.add(p.at().run(), p.at().step(), p.at().eventTimeMs(), p.theta())) {
                out.add(CrossRunDistance.of(p.at().experiment(), pair));
            }
        }
        return out;
    }

    private static List<RawRecord> records() {
        List<RawRecord> out = new ArrayList<>();
        long offset = 0;
        for (String run : List.of("seam-a", "seam-b")) {
            out.add(raw(Topics.RUNS, run, offset++, WireRecords.encode(RunStarted.newBuilder().setRunId(run)
                    .setExperimentId(SampleRecords.EXPERIMENT).setInitialParameters(Vectors.full(new float[DIM])).build())));
        }
        for (int t = 1; t <= STEPS; t++) {
            for (String run : List.of("seam-a", "seam-b")) {
                Random r = new Random(run.hashCode() * 1000L + t);
                float[] g = new float[DIM];
                float[] d = new float[DIM];
                for (int i = 0; i < DIM; i++) {
                    g[i] = (float) r.nextGaussian();
                    d[i] = (float) (-0.02 * g[i] + (i == 0 ? 0.01 : 0));
                }
                Step s = SampleRecords.step(run, t, 1_700_000_000_000L + 10L * t, 2.0 / Math.sqrt(t) + 0.01 * r.nextGaussian(), g, d);
                out.add(raw(Topics.STEPS, run, offset++, WireRecords.encode(s)));
            }
        }
        for (String run : List.of("seam-a", "seam-b")) {
            out.add(raw(Topics.RUNS, run, offset++, WireRecords.encode(RunEnded.newBuilder().setRunId(run)
                    .setExperimentId(SampleRecords.EXPERIMENT).setSteps(STEPS).build())));
        }
        out.add(raw(Topics.STEPS, "seam-garbage", offset++, "not a frame".getBytes(StandardCharsets.UTF_8)));
        for (int t = 1; t <= 3; t++) {
            Step s = SampleRecords.step("seam-nan", t, 1_700_000_100_000L + t, t == 3 ? Double.NaN : 1.0 / t, new float[] {1, 0},
                    new float[] {-0.1f, 0});
            out.add(raw(Topics.STEPS, "seam-nan", offset++, WireRecords.encode(s)));
        }
        return out;
    }

    private static RawRecord raw(String topic, String key, long offset, byte[] value) {
        return new RawRecord(topic, 0, offset, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static List<String> sorted(List<String> lines) {
        List<String> out = new ArrayList<>(lines);
        out.sort(null);
        return out;
    }

    /** A sink that collects into a static queue by name (the MiniCluster runs in this JVM). */
    static final class Collecting<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;
        private static final Map<String, Queue<Object>> QUEUES = new ConcurrentHashMap<>();
        private final String name;

        Collecting(String name) {
            this.name = name;
        }

        @SuppressWarnings("unchecked")
        static <T> List<T> drain(String name) {
            Queue<Object> q = QUEUES.remove(name);
            return q == null ? List.of() : new ArrayList<>((Queue<T>) (Queue<?>) q);
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            Queue<Object> q = QUEUES.computeIfAbsent(name, n -> new ConcurrentLinkedQueue<>());
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context c) {
                    q.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
