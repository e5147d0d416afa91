package dev.canyon.job;

import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.storage.InfluxConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the job jar on a Flink cluster (application mode, or {@code flink run}). Its
 * settings are resolved by {@link JobSettings}: job arguments ({@code --window-steps 80}) over Flink
 * configuration keys ({@code canyon.window-steps: 80}) over environment variables ({@code
 * CANYON_WINDOW_STEPS=80}) over defaults, all read by the process that runs this {@code main} (the
 * {@code flink run} client, or the JobManager in application mode). Parallelism and the checkpoint
 * interval are Flink's own ({@code -p}, {@code parallelism.default}, {@code
 * execution.checkpointing.interval}) unless Canyon's are given. docs/operations.md lists every
 * setting with its default; the effective ones (secrets masked) are logged and shown as the job's
 * parameters in Flink's web UI.
 */
public final class StepAnalyticsMain {
    private static final Logger LOG = LoggerFactory.getLogger(StepAnalyticsMain.class);

    /** Default checkpoint interval when neither Canyon's nor Flink's is set, seconds. */
    public static final long DEFAULT_CHECKPOINT_INTERVAL_S = 5;

    private StepAnalyticsMain() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment();
        ReadableConfig flinkConf = flink.getConfiguration();
        JobSettings settings = JobSettings.resolve(args, flinkConf.toMap(), System.getenv());
        AnalyticsConfig config = config(settings, flinkConf, flink.getParallelism());
        LOG.info("Canyon job settings (parallelism {}, checkpoints every {}):\n{}", config.parallelism(),
                config.checkpointInterval(), settings.describe());
        TopicSetup.ensure(config.bootstrapServers(), config.kafkaProperties());
        Checkpoints.restoreLatest(flink); // a restarted JobManager continues from the newest retained checkpoint
        StepAnalyticsJob.buildProduction(flink, config);
        flink.getConfig().setGlobalJobParameters(shown(settings, config));
        flink.execute(StepAnalyticsJob.NAME);
    }

    /**
     * The job's configuration from resolved settings: {@code flinkConf} is the Flink configuration
     * the job sees and {@code flinkParallelism} Flink's default parallelism for it (used when Canyon's
     * is not given).
     */
    public static AnalyticsConfig config(JobSettings s, ReadableConfig flinkConf, int flinkParallelism) {
        InfluxConfig influx = InfluxConfig.of(s.get("CANYON_INFLUX_URL", "http://influxdb:8086"))
                .withDatabase(s.get("CANYON_INFLUX_DB", InfluxConfig.DEFAULT_DATABASE))
                .withCredentials(s.get("CANYON_INFLUX_USER", ""), s.get("CANYON_INFLUX_PASSWORD", ""))
                .withToken(s.get("CANYON_INFLUX_TOKEN", ""));
        if (s.has("CANYON_INFLUX_RAW_RETENTION_H")) {
            influx = influx.withRetention(new InfluxConfig.Retention(
                    Duration.ofHours(s.longValue("CANYON_INFLUX_RAW_RETENTION_H", 0)),
                    Duration.ofHours(s.longValue("CANYON_INFLUX_DOWNSAMPLED_RETENTION_H", 8760)),
                    Duration.ofSeconds(s.longValue("CANYON_INFLUX_DOWNSAMPLE_INTERVAL_S", 60))));
        }
        Duration checkpoints;
        Optional<Duration> flinkInterval = flinkConf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        if (s.has("CANYON_CHECKPOINT_INTERVAL_S") || flinkInterval.isEmpty()) {
            checkpoints = Duration.ofSeconds(s.longValue("CANYON_CHECKPOINT_INTERVAL_S", DEFAULT_CHECKPOINT_INTERVAL_S));
        } else {
            checkpoints = flinkInterval.get();
        }
        int parallelism = s.has("CANYON_PARALLELISM") ? (int) s.longValue("CANYON_PARALLELISM", 1) : Math.max(1, flinkParallelism);
        return new AnalyticsConfig(s.get("CANYON_KAFKA", "kafka:9092"), kafkaProperties(s), s.get("CANYON_GROUP_ID"), influx,
                checkpoints, null, parallelism, -1, dev.canyon.analytics.AnalyticsSettings.fromMap(s.asMap()));
    }

    /**
     * Kafka client properties (security settings and their secrets) from the file {@code
     * CANYON_KAFKA_CONFIG} names, for the source, the sinks and topic creation; none when unset.
     */
    static Map<String, String> kafkaProperties(JobSettings s) {
        String file = s.get("CANYON_KAFKA_CONFIG");
        return file == null ? Map.of() : dev.canyon.contract.kafka.KafkaClientProperties.load(Path.of(file));
    }

    /** What the web UI shows as the job's parameters: the effective settings, secrets masked. */
    private static Configuration shown(JobSettings s, AnalyticsConfig config) {
        Configuration shown = new Configuration();
        for (Map.Entry<String, String> e : s.asMap().entrySet()) {
            shown.setString(JobSettings.flinkKey(e.getKey()),
                    JobSettings.SECRETS.contains(e.getKey()) ? "****" : e.getValue());
        }
        shown.setString(JobSettings.flinkKey("CANYON_PARALLELISM"), Integer.toString(config.parallelism()));
        shown.setString(JobSettings.flinkKey("CANYON_CHECKPOINT_INTERVAL_S"),
                Long.toString(config.checkpointInterval().toSeconds()));
        return shown;
    }

    /** Analytics settings from the environment (the CANYON_* variables), defaults for what is not set. */
    public static dev.canyon.analytics.AnalyticsSettings analytics(Map<String, String> env) {
        return dev.canyon.analytics.AnalyticsSettings.fromMap(env);
    }
}
