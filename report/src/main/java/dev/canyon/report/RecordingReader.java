package dev.canyon.report;

import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.Position;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireFormatException;
import dev.canyon.contract.WireRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a run or an experiment back from Canyon's recorded topics (runs, steps with their probes,
 * snapshots) and runs the stream's own per-run analytics over it, so that the report's numbers are
 * the numbers the live job stored (same {@link RunAnalyzer}, same settings). Needs nothing but Kafka.
 */
public final class RecordingReader {

    /** What to read: exactly one of a run id and an experiment id. */
    public record Selection(String run, String experiment) {
        public Selection {
            if ((run == null) == (experiment == null)) {
                throw new IllegalArgumentException("select either a run or an experiment (exactly one)");
            }
        }

        boolean matches(String runId, String experimentId) {
            return run != null ? run.equals(runId) : experiment.equals(experimentId);
        }

        /** "run ID" or "experiment ID". */
        public String describe() {
            return run != null ? "run " + run : "experiment " + experiment;
        }
    }

    /**
     * A recorded run as the runs topic tells it: its run-started record and, once it ended, its
     * run-ended record's step count and outcome.
     *
     * @param steps steps trained, from the run-ended record; −1 while none was recorded (running, or the
     *     trainer died)
     * @param outcome COMPLETED, FAILED, CANCELLED; empty while no run-ended record was recorded
     */
    public record RunInfo(String runId, String experimentId, long startedMs, String model, String optimizer, String dataset,
            long parameters, long steps, String outcome) {}

    private final Properties consumer;
    private final AnalyticsSettings settings;
    private final Duration pollTimeout = Duration.ofMillis(500);
    private final Duration connectTimeout;

    /**
     * @param bootstrapServers Kafka holding the recorded topics
     * @param kafkaProperties further client properties (security, ...)
     * @param settings the analytics settings the live job ran with (its environment)
     */
    public RecordingReader(String bootstrapServers, Map<String, String> kafkaProperties, AnalyticsSettings settings) {
        consumer = new Properties();
        consumer.putAll(kafkaProperties);
        consumer.put("bootstrap.servers", bootstrapServers);
        consumer.put("enable.auto.commit", "false");
        consumer.put("allow.auto.create.topics", "false");
        consumer.put("max.partition.fetch.bytes", Integer.toString(64 << 20));
        consumer.put("fetch.max.bytes", Integer.toString(64 << 20));
        this.settings = settings;
        this.connectTimeout = dev.canyon.contract.kafka.TopicSetup.connectTimeout(consumer);
    }

    /** The Kafka cluster read. */
    public String bootstrapServers() {
        return consumer.getProperty("bootstrap.servers");
    }

    /**
     * The runs on the runs topic, in the order they started: what each run-started record says, with
     * the step count and outcome of its run-ended record when there is one. Reads the runs topic only.
     */
    public List<RunInfo> runs(Progress progress) {
        List<dev.canyon.contract.proto.RunStarted> started = new ArrayList<>();
        Map<String, dev.canyon.contract.proto.RunEnded> ended = new HashMap<>();
        readTopic(Topics.RUNS, progress, (key, value) -> {
            try {
                WireRecords.Decoded d = WireRecords.decode(value);
                if (d instanceof WireRecords.DecodedRunStarted r) {
                    started.add(r.record());
                } else if (d instanceof WireRecords.DecodedRunEnded e) {
                    ended.putIfAbsent(e.record().getRunId(), e.record());
                }
            } catch (WireFormatException e) {
                // not a run record: ignored here as in the job (which dead-letters it)
            }
        });
        started.sort(java.util.Comparator.comparingLong(dev.canyon.contract.proto.RunStarted::getEventTimeMs)
                .thenComparing(dev.canyon.contract.proto.RunStarted::getRunId));
        Map<String, RunInfo> runs = new LinkedHashMap<>();
        for (dev.canyon.contract.proto.RunStarted r : started) {
            dev.canyon.contract.proto.RunEnded e = ended.get(r.getRunId());
            runs.putIfAbsent(r.getRunId(), new RunInfo(r.getRunId(), r.getExperimentId(), r.getEventTimeMs(), r.getModel(),
                    r.getOptimizer(), r.getDataset(), r.getParameterCount(), e == null ? -1 : e.getSteps(),
                    e == null ? "" : e.getOutcome().name()));
        }
        return List.copyOf(runs.values());
    }

    /**
     * Why {@code selection} matches no run of {@code runs}: the topic and the cluster read, and what the
     * topic holds instead.
     */
    public static String notFound(Selection selection, List<RunInfo> runs, String where) {
        Map<String, String> seen = new LinkedHashMap<>();
        runs.forEach(r -> seen.put(r.runId(), r.experimentId()));
        return "no run-started record for " + selection.describe() + " on topic " + Topics.RUNS + " " + where
                + (seen.isEmpty() ? " (the topic holds no runs)" : "; it holds " + describe(seen));
    }

    /** Whether some run of {@code runs} matches {@code selection}. */
    public static boolean matches(Selection selection, List<RunInfo> runs) {
        return runs.stream().anyMatch(r -> selection.matches(r.runId(), r.experimentId()));
    }

    /**
     * Reads the selected runs.
     *
     * @throws IllegalArgumentException when the runs topic holds no run-started record for the selection
     *     (the message lists what it does hold)
     */
    public Recording read(Selection selection, Progress progress) {
        Map<String, RunRecording> runs = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        List<byte[]> ends = new ArrayList<>();
        readTopic(Topics.RUNS, progress, (key, value) -> {
            WireRecords.Decoded d;
            try {
                d = WireRecords.decode(value);
            } catch (WireFormatException e) {
                return;
            }
            if (d instanceof WireRecords.DecodedRunStarted r) {
                seen.put(r.record().getRunId(), r.record().getExperimentId());
                if (selection.matches(r.record().getRunId(), r.record().getExperimentId())) {
                    RunRecording run = runs.computeIfAbsent(r.record().getRunId(), RunRecording::new);
                    if (run.started == null) {
                        run.started = r.record();
                        run.startedValue = value;
                    }
                }
            } else if (d instanceof WireRecords.DecodedRunEnded e && selection.matches(e.record().getRunId(), seen.get(e.record().getRunId()))) {
                ends.add(value);
            }
        });
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no run-started record for " + selection.describe() + " on topic " + Topics.RUNS
                    + " at " + bootstrapServers() + (seen.isEmpty() ? " (the topic holds no runs)" : "; it holds " + describe(seen)));
        }
        for (RunRecording run : runs.values()) {
            run.analyzer = new RunAnalyzer(settings);
            // As the job does: a rejected run-started record is counted, and the run goes on without what it carried.
            handle(run, Topics.RUNS, run.startedValue);
            // θ_0 in the positions' space, kept before the run's end releases the analyzer's state.
            run.initialPosition = run.analyzer.initialPosition();
        }
        readTopic(Topics.STEPS, progress, (key, value) -> {
            RunRecording run = runs.get(key);
            if (run != null) {
                handle(run, Topics.STEPS, value);
            }
        });
        for (byte[] value : ends) {
            var ended = ((WireRecords.DecodedRunEnded) WireRecords.decode(value)).record();
            RunRecording run = runs.get(ended.getRunId());
            if (run != null && run.ended == null) {
                run.ended = ended;
                handle(run, Topics.RUNS, value);
            }
        }
        // Snapshots are optional: a cluster where no run ever took one may not have the topic.
        readTopic(Topics.SNAPSHOTS, true, progress, (key, value) -> {
            RunRecording run = runs.get(key);
            if (run == null) {
                return;
            }
            try {
                if (WireRecords.decode(value) instanceof WireRecords.DecodedSnapshot s) {
                    run.snapshots.put(s.record().getStep(), Vectors.toFloats(s.record().getParameters()));
                }
            } catch (WireFormatException | IllegalArgumentException e) {
                run.recordsRejected++;
            }
        });
        Recording recording = new Recording(selection.describe());
        // In the order the runs started (the runs topic's partitions interleave arbitrarily).
        runs.values().stream().sorted(java.util.Comparator.comparingLong((RunRecording r) -> r.started.getEventTimeMs())
                .thenComparing(RunRecording::runId)).forEach(r -> recording.runs.put(r.runId, r));
        CrossRunDistances distances = new CrossRunDistances(dev.canyon.job.CrossRunFunction.KEPT_PER_RUN);
        for (RunRecording run : runs.values()) {
            run.analyzer = null;
            for (Position p : run.positions()) {
                for (CrossRunDistances.Pair pair : distances.add(run.runId, p.at().step(), p.at().eventTimeMs(), p.theta())) {
                    recording.crossRun.add(CrossRunDistance.of(run.experimentId(), pair));
                }
            }
        }
        return recording;
    }

    /**
     * A record of the run, handled as the live job handles it: the same {@link RecordHandler}; offline,
     * a step "arrives" at its own event time; rejects are counted, never fatal.
     */
    static void handle(RunRecording run, String topic, byte[] value) {
        RecordHandler.Outcome outcome = RecordHandler.handle(run.analyzer, run.runId, topic, value,
                dev.canyon.contract.proto.Step::getEventTimeMs);
        run.add(outcome.updates());
        if (!outcome.accepted()) {
            run.recordsRejected++;
        } else if (outcome.kind() == RecordHandler.Kind.STEP) {
            run.stepsAccepted++;
        }
    }

    private static String describe(Map<String, String> runs) {
        Map<String, List<String>> byExperiment = new LinkedHashMap<>();
        runs.forEach((run, experiment) -> byExperiment.computeIfAbsent(experiment, e -> new ArrayList<>()).add(run));
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (var e : byExperiment.entrySet()) {
            if (shown++ == 10) {
                sb.append("; ... (").append(byExperiment.size() - 10).append(" more experiments)");
                break;
            }
            sb.append(shown > 1 ? "; " : "").append("experiment '").append(e.getKey()).append("': runs ")
                    .append(new TreeSet<>(e.getValue()));
        }
        return sb.toString();
    }

    /** Reads every partition of {@code topic} from its beginning to its end as of now. */
    private void readTopic(String topic, Progress progress, BiConsumer<String, byte[]> onRecord) {
        readTopic(topic, false, progress, onRecord);
    }

    /** Like {@link #readTopic(String, Progress, BiConsumer)}; an {@code optional} topic that does not exist reads as empty. */
    private void readTopic(String topic, boolean optional, Progress progress, BiConsumer<String, byte[]> onRecord) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topic, connectTimeout);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new dev.canyon.contract.kafka.KafkaUnreachableException("cannot read topic " + topic, bootstrapServers(),
                        connectTimeout, "default.api.timeout.ms", e);
            }
            if (infos == null || infos.isEmpty()) {
                if (optional) {
                    return;
                }
                throw new IllegalArgumentException("topic " + topic + " does not exist on " + consumer.getProperty("bootstrap.servers"));
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            Map<TopicPartition, Long> begin = c.beginningOffsets(partitions);
            long total = 0;
            for (TopicPartition tp : partitions) {
                total += end.get(tp) - begin.get(tp);
            }
            long done = 0;
            progress.update("read " + topic + " records", 0, total);
            Map<TopicPartition, Boolean> finished = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (end.get(tp) <= begin.get(tp)) {
                    finished.put(tp, true);
                }
            }
            while (finished.size() < partitions.size()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(pollTimeout)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue;
                    }
                    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() != null) {
                        onRecord.accept(key, r.value());
                    }
                    done++;
                }
                for (TopicPartition tp : partitions) {
                    if (!finished.containsKey(tp) && c.position(tp) >= end.get(tp)) {
                        finished.put(tp, true);
                    }
                }
                progress.update("read " + topic + " records", Math.min(done, total), total);
            }
            progress.update("read " + topic + " records", total, total);
        }
    }
}
