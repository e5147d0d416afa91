package dev.canyon.job;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.contract.Topics;
import dev.canyon.storage.InfluxConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Configuration of the step-analytics job.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param kafkaProperties further Kafka client properties (security settings, ...)
 * @param groupId consumer group whose committed offsets the job resumes from
 * @param influx where points go
 * @param checkpointInterval how often Flink checkpoints (offsets and per-run state)
 * @param flushInterval longest a point waits in the sink's buffer
 * @param parallelism operator parallelism
 * @param startTimestampMs where a job without restored state starts reading: -1 for the group's
 *     committed offsets (earliest when none), else the first record with a timestamp at or after
 *     this many ms since the epoch
 * @param analytics per-run analytics settings (null: defaults)
 */
public record AnalyticsConfig(String bootstrapServers, Map<String, String> kafkaProperties, String groupId,
        InfluxConfig influx, Duration checkpointInterval, Duration flushInterval, int parallelism, long startTimestampMs,
        AnalyticsSettings analytics) implements Serializable {

    /** With the default analytics settings ({@link AnalyticsSettings#defaults()}). */
    public AnalyticsConfig(String bootstrapServers, Map<String, String> kafkaProperties, String groupId, InfluxConfig influx,
            Duration checkpointInterval, Duration flushInterval, int parallelism, long startTimestampMs) {
        this(bootstrapServers, kafkaProperties, groupId, influx, checkpointInterval, flushInterval, parallelism, startTimestampMs,
                null);
    }

    /** Default consumer group of the live job. */
    public static final String DEFAULT_GROUP = "canyon-analytics";

    public AnalyticsConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(influx, "influx");
        kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
        groupId = groupId == null || groupId.isBlank() ? DEFAULT_GROUP : groupId;
        checkpointInterval = checkpointInterval == null ? Duration.ofSeconds(5) : checkpointInterval;
        flushInterval = flushInterval == null ? Duration.ofMillis(DEFAULT_FLUSH_MS) : flushInterval;
        analytics = analytics == null ? AnalyticsSettings.defaults() : analytics;
        if (startTimestampMs < -1) {
            throw new IllegalArgumentException("startTimestampMs must be -1 (committed offsets) or a time, got " + startTimestampMs);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (checkpointInterval.toMillis() < 10) {
            throw new IllegalArgumentException("checkpoint interval must be at least 10 ms, got " + checkpointInterval);
        }
    }

    /**
     * Default longest wait of a point in the InfluxDB sink's buffer, ms: with Flink's network buffer
     * timeout ({@link StepAnalyticsJob#BUFFER_TIMEOUT_MS}) the floor of a step's publication-to-query
     * latency (docs/benchmarks.md, "Latency": 200 ms gave a p99 of 360 ms at 100 steps/s, 50 ms 160 ms).
     * At most 20 writes a second per sink subtask; at load, batches fill first.
     */
    public static final long DEFAULT_FLUSH_MS = 50;

    /** Defaults: group {@value #DEFAULT_GROUP}, checkpoints every 5 s, flush every {@value #DEFAULT_FLUSH_MS} ms, parallelism 1. */
    public static AnalyticsConfig of(String bootstrapServers, InfluxConfig influx) {
        return new AnalyticsConfig(bootstrapServers, Map.of(), null, influx, null, null, 1, -1);
    }

    public AnalyticsConfig withParallelism(int p) {
        return toBuilder().parallelism(p).build();
    }

    public AnalyticsConfig withCheckpointInterval(Duration d) {
        return toBuilder().checkpointInterval(d).build();
    }

    public AnalyticsConfig withGroupId(String g) {
        return toBuilder().groupId(g).build();
    }

    /** Starts a job without restored state at the first record stamped at or after {@code ms}. */
    public AnalyticsConfig startingAt(long ms) {
        return toBuilder().startTimestampMs(ms).build();
    }

    /** The same with other analytics settings (windows, stall thresholds, classifier thresholds). */
    public AnalyticsConfig withAnalytics(AnalyticsSettings a) {
        return toBuilder().analytics(a).build();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds an {@link AnalyticsConfig}; {@link #build} validates. */
    public static final class Builder {
        private String bootstrapServers;
        private Map<String, String> kafkaProperties;
        private String groupId;
        private InfluxConfig influx;
        private Duration checkpointInterval;
        private Duration flushInterval;
        private int parallelism;
        private long startTimestampMs;
        private AnalyticsSettings analytics;

        private Builder(AnalyticsConfig c) {
            bootstrapServers = c.bootstrapServers;
            kafkaProperties = c.kafkaProperties;
            groupId = c.groupId;
            influx = c.influx;
            checkpointInterval = c.checkpointInterval;
            flushInterval = c.flushInterval;
            parallelism = c.parallelism;
            startTimestampMs = c.startTimestampMs;
            analytics = c.analytics;
        }

        public Builder kafkaProperties(Map<String, String> v) {
            kafkaProperties = v;
            return this;
        }

        public Builder groupId(String v) {
            groupId = v;
            return this;
        }

        public Builder checkpointInterval(Duration v) {
            checkpointInterval = v;
            return this;
        }

        public Builder flushInterval(Duration v) {
            flushInterval = v;
            return this;
        }

        public Builder parallelism(int v) {
            parallelism = v;
            return this;
        }

        public Builder startTimestampMs(long v) {
            startTimestampMs = v;
            return this;
        }

        public Builder analytics(AnalyticsSettings v) {
            analytics = v;
            return this;
        }

        public AnalyticsConfig build() {
            return new AnalyticsConfig(bootstrapServers, kafkaProperties, groupId, influx, checkpointInterval, flushInterval,
                    parallelism, startTimestampMs, analytics);
        }
    }

    /** Without the values of secret Kafka properties ({@code sasl.jaas.config}, passwords, ...): safe to log. */
    @Override
    public String toString() {
        Map<String, String> shown = new java.util.TreeMap<>();
        kafkaProperties.forEach((k, v) -> shown.put(k, dev.canyon.contract.kafka.KafkaClientProperties.isSecret(k) ? "****" : v));
        return "AnalyticsConfig[bootstrapServers=" + bootstrapServers + ", kafkaProperties=" + shown + ", groupId=" + groupId
                + ", influx=" + influx + ", checkpointInterval=" + checkpointInterval + ", flushInterval=" + flushInterval
                + ", parallelism=" + parallelism + ", startTimestampMs=" + startTimestampMs + ", analytics=" + analytics + "]";
    }

    /**
     * Kafka client properties for the source, the alert and dead-letter sinks and their admin
     * clients: Canyon's fetch sizes, then {@link #kafkaProperties()} (security settings, ...).
     */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("max.partition.fetch.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
        p.put("fetch.max.bytes", Integer.toString(2 * Topics.MAX_RECORD_BYTES));
        p.putAll(kafkaProperties);
        return p;
    }
}
