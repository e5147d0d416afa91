package dev.canyon.job;

import dev.canyon.job.influx.InfluxSink;
import dev.canyon.job.kafka.AlertSerializer;
import dev.canyon.job.kafka.DeadLetter;
import dev.canyon.job.kafka.DeadLetterSerializer;
import dev.canyon.job.kafka.RawRecord;
import dev.canyon.job.kafka.RawRecordDeserializer;
import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.Topics;
import dev.canyon.storage.InfluxConfig;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The analytics job: step, probe and run topics → decode and validate, keyed by run → {@link
 * RunAnalyzer} (distance travelled, obstacle indicators and state, trajectory PCA, probes, stall
 * alerts) → InfluxDB; positions at aligned steps, keyed by experiment → cross-run distances →
 * InfluxDB; alerts → alerts topic; unusable records → dead-letter topic. {@link #build} takes its
 * source and sinks so tests and replays can supply their own; {@link #kafkaSource} and friends are
 * the production ones.
 */
public final class StepAnalyticsJob {
    /** Name the job runs under. */
    public static final String NAME = "canyon-step-analytics";

    private StepAnalyticsJob() {}

    /**
     * Where the job's outputs go: the analytics' updates (to InfluxDB in production), unusable
     * records, and alert transitions (to Kafka in production).
     */
    public record Sinks(Sink<Update> updates, Sink<DeadLetter> deadLetters, Sink<AlertTransition> alerts) {}

    /**
     * The records {@code source} reads, with the live job's operator ids, keeping only those {@code
     * filter} accepts (null: all).
     */
    public static DataStream<RawRecord> records(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
            org.apache.flink.api.common.functions.FilterFunction<RawRecord> filter) {
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "records",
                org.apache.flink.api.common.typeinfo.TypeInformation.of(RawRecord.class)).uid("steps-source");
        return filter == null ? raw : raw.filter(filter).uid("replay-filter").name("replay-filter");
    }

    /**
     * Wires the job onto the environment of {@code records}: keyed by run, each record through the
     * analytics' record handler; positions keyed by experiment through the cross-run distances; the
     * outputs to {@code sinks}. {@code pipelineMetrics}: also emit the live job's health (ingest lag,
     * dead letters), which only a live job can measure.
     */
    public static void build(DataStream<RawRecord> records, Sinks sinks, AnalyticsSettings settings, boolean pipelineMetrics) {
        // Chained operators hand records over without a (Kryo) copy: no operator here changes a
        // record after emitting it or keeps one it was given.
        records.getExecutionEnvironment().getConfig().enableObjectReuse();
        DataStream<RawRecord> raw = records;
        SingleOutputStreamOperator<Update> analysed = raw
                .keyBy(RawRecord::keyString)
                .process(new StepAnalyticsFunction(settings, StepAnalyticsFunction.DEFAULT_STATE_TTL, pipelineMetrics))
                .uid("step-analytics")
                .name("run-analytics");
        DataStream<Update> crossRun = analysed.getSideOutput(StepAnalyticsFunction.POSITIONS)
                .keyBy(p -> p.experiment)
                .process(new CrossRunFunction(StepAnalyticsFunction.DEFAULT_STATE_TTL))
                .uid("cross-run")
                .name("cross-run-distances");
        // Two sink operators rather than a union: the main one then chains to the analytics, so the
        // points are handed over as objects instead of being serialized between operators.
        analysed.sinkTo(sinks.updates()).uid("influx-sink").name("influxdb");
        crossRun.sinkTo(sinks.updates()).uid("influx-sink-cross-run").name("influxdb-cross-run");
        analysed.getSideOutput(StepAnalyticsFunction.DEAD_LETTERS).sinkTo(sinks.deadLetters()).uid("dead-letter-sink")
                .name("dead-letters");
        analysed.getSideOutput(StepAnalyticsFunction.ALERTS).sinkTo(sinks.alerts()).uid("alert-sink").name("alerts");
    }

    /**
     * Flink's network buffer timeout for the live job, ms, unless the cluster's configuration sets
     * {@code execution.buffer-timeout.interval}: how long a partly filled buffer waits before it is
     * sent to the next operator (Flink's default, 100 ms, was a third of a step's latency at low
     * rates; docs/operations.md, "Latency"). At load, buffers fill before it.
     */
    public static final long BUFFER_TIMEOUT_MS = 10;

    /**
     * Configures checkpointing, parallelism and the network buffer timeout ({@link #BUFFER_TIMEOUT_MS}),
     * and wires the production source and sinks.
     */
    public static void buildProduction(StreamExecutionEnvironment env, AnalyticsConfig config) {
        env.enableCheckpointing(config.checkpointInterval().toMillis());
        if (env.getConfiguration().getOptional(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT).isEmpty()) {
            env.setBufferTimeout(BUFFER_TIMEOUT_MS);
        }
        env.setParallelism(config.parallelism());
        build(records(env, kafkaSource(config), null), new Sinks(new InfluxSink(config.influx(), config.flushInterval().toMillis()),
                deadLetterSink(config), alertSink(config)), config.analytics(), true);
    }

    /**
     * Reads the step topic (steps and probes) and the run topic. Restored from a checkpoint or savepoint, the job continues from the
     * offsets in it; otherwise from {@link AnalyticsConfig#startTimestampMs()} or the group's
     * committed offsets (earliest when none). Starting without state in the middle of a run gives
     * that run's distances from the first step read, not from θ_0.
     */
    public static KafkaSource<RawRecord> kafkaSource(AnalyticsConfig config) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(Topics.STEPS, Topics.RUNS)
                .setGroupId(config.groupId())
                .setProperties(config.clientProperties())
                .setStartingOffsets(config.startTimestampMs() >= 0
                        ? OffsetsInitializer.timestamp(config.startTimestampMs())
                        : OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }

    /**
     * Replays the step and run topics as a bounded job: from {@code fromTimestampMs} (−1: the beginning) to
     * the end offsets at start, one run or one experiment (null: all), into {@code influx}. Dead
     * letters and alerts are counted but not written to Kafka again (the live job already did);
     * alert points in InfluxDB are rewritten idempotently. Silence alerts depend on arrival times
     * and do not replay.
     */
    public static void buildReplay(StreamExecutionEnvironment env, String bootstrapServers, java.util.Map<String, String> kafka,
            InfluxConfig influx, long fromTimestampMs, String run, String experiment, int parallelism) {
        buildReplay(env, bootstrapServers, kafka, influx, fromTimestampMs, run, experiment, parallelism, AnalyticsSettings.defaults());
    }

    /** {@link #buildReplay} with the live job's analytics settings (a replay must use the same to give the same points). */
    public static void buildReplay(StreamExecutionEnvironment env, String bootstrapServers, java.util.Map<String, String> kafka,
            InfluxConfig influx, long fromTimestampMs, String run, String experiment, int parallelism,
            AnalyticsSettings settings) {
        env.setParallelism(parallelism);
        AnalyticsConfig config = new AnalyticsConfig(bootstrapServers, kafka, "canyon-replay-" + System.currentTimeMillis(),
                influx, null, null, parallelism, -1);
        // The run topic first, to its end, then the step topic: every run's run-started record (its
        // optimizer, θ_0) is known before its first step at any parallelism, as in the live job, where
        // it is published first. Read together, a run's steps could be analysed before it (no stability
        // ratio, another noise-scale source: ProcessClusterTest found 102 differing fields at parallelism 2).
        org.apache.flink.connector.base.source.hybrid.HybridSource<RawRecord> source =
                org.apache.flink.connector.base.source.hybrid.HybridSource.builder(replaySource(config, Topics.RUNS, fromTimestampMs))
                        .addSource(replaySource(config, Topics.STEPS, fromTimestampMs)).build();
        build(records(env, source, new ReplayFilter(run, experiment)), new Sinks(new InfluxSink(influx, config.flushInterval().toMillis()),
                new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>(),
                new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()), settings, false);
    }

    /** One topic from {@code fromTimestampMs} (−1: the beginning) to its end offsets at start. */
    private static KafkaSource<RawRecord> replaySource(AnalyticsConfig config, String topic, long fromTimestampMs) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(topic)
                .setGroupId(config.groupId())
                .setProperties(config.clientProperties())
                .setStartingOffsets(fromTimestampMs >= 0 ? OffsetsInitializer.timestamp(fromTimestampMs) : OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }

    /**
     * Producer properties of the alert and dead-letter sinks: {@code acks=all} (a record is
     * acknowledged once every in-sync replica has it, at least {@code min.insync.replicas}), then
     * {@link AnalyticsConfig#clientProperties()} (the security settings).
     */
    static Properties producerProperties(AnalyticsConfig config) {
        Properties p = new Properties();
        p.put("acks", "all");
        p.putAll(config.clientProperties());
        return p;
    }

    /** Writes alerts to {@link Topics#ALERTS}. */
    public static KafkaSink<AlertTransition> alertSink(AnalyticsConfig config) {
        return KafkaSink.<AlertTransition>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(producerProperties(config))
                .setRecordSerializer(new AlertSerializer(Topics.ALERTS))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /** Writes dead letters to {@link Topics#DEAD_LETTER}. */
    public static KafkaSink<DeadLetter> deadLetterSink(AnalyticsConfig config) {
        Properties p = producerProperties(config);
        p.put("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES));
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(new DeadLetterSerializer(Topics.DEAD_LETTER))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
