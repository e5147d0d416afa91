package dev.canyon.job;

import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.storage.InfluxConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point of the job jar on a Flink cluster (application mode, or {@code flink run}).
 * Configured from the environment so that no secret appears in a command line:
 *
 * <table>
 * <caption>Environment</caption>
 * <tr><td>CANYON_KAFKA</td><td>bootstrap servers (default kafka:9092)</td></tr>
 * <tr><td>CANYON_INFLUX_URL</td><td>InfluxDB 1.x HTTP API (default http://influxdb:8086)</td></tr>
 * <tr><td>CANYON_INFLUX_DB</td><td>database (default canyon)</td></tr>
 * <tr><td>CANYON_INFLUX_USER, CANYON_INFLUX_PASSWORD</td><td>credentials (default none)</td></tr>
 * <tr><td>CANYON_INFLUX_TOKEN</td><td>API token sent as {@code Authorization: Token ...} (InfluxDB 2.x/3.x
 * compatibility endpoints; default none)</td></tr>
 * <tr><td>CANYON_INFLUX_RAW_RETENTION_H</td><td>hours raw points are kept; set it to create the retention
 * policies and the downsampling continuous query (default: unset, InfluxDB's infinite autogen)</td></tr>
 * <tr><td>CANYON_INFLUX_DOWNSAMPLED_RETENTION_H</td><td>hours downsampled points are kept (default 8760)</td></tr>
 * <tr><td>CANYON_INFLUX_DOWNSAMPLE_INTERVAL_S</td><td>downsampling interval in seconds (default 60)</td></tr>
 * <tr><td>CANYON_GROUP_ID</td><td>consumer group (default canyon-analytics)</td></tr>
 * <tr><td>CANYON_CHECKPOINT_INTERVAL_S</td><td>seconds between checkpoints (default 5)</td></tr>
 * <tr><td>CANYON_PARALLELISM</td><td>operator parallelism (default 1)</td></tr>
 * <tr><td>CANYON_WINDOW_STEPS</td><td>indicator window in steps (default 50)</td></tr>
 * <tr><td>CANYON_EMIT_EVERY_STEPS</td><td>steps between indicator, obstacle and PCA points (default 10)</td></tr>
 * <tr><td>CANYON_PLATEAU_PATIENCE_STEPS</td><td>steps without improvement before a plateau alert (default 500)</td></tr>
 * <tr><td>CANYON_SILENCE_S</td><td>seconds without a step before a silence alert (default 60)</td></tr>
 * <tr><td>CANYON_SPIKE_WINDOW_STEPS</td><td>previous steps whose mean and sigma judge a loss or gradient-norm spike
 * (default 128)</td></tr>
 * <tr><td>CANYON_SPIKE_SIGMAS</td><td>sigmas above that mean that open a spike alert (default 6)</td></tr>
 * </table>
 */
public final class StepAnalyticsMain {
    private StepAnalyticsMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String kafka = env.getOrDefault("CANYON_KAFKA", "kafka:9092");
        InfluxConfig influx = InfluxConfig.of(env.getOrDefault("CANYON_INFLUX_URL", "http://influxdb:8086"))
                .withDatabase(env.getOrDefault("CANYON_INFLUX_DB", InfluxConfig.DEFAULT_DATABASE))
                .withCredentials(env.getOrDefault("CANYON_INFLUX_USER", ""), env.getOrDefault("CANYON_INFLUX_PASSWORD", ""))
                .withToken(env.getOrDefault("CANYON_INFLUX_TOKEN", ""));
        if (env.containsKey("CANYON_INFLUX_RAW_RETENTION_H")) {
            influx = influx.withRetention(new InfluxConfig.Retention(
                    Duration.ofHours(Long.parseLong(env.get("CANYON_INFLUX_RAW_RETENTION_H"))),
                    Duration.ofHours(Long.parseLong(env.getOrDefault("CANYON_INFLUX_DOWNSAMPLED_RETENTION_H", "8760"))),
                    Duration.ofSeconds(Long.parseLong(env.getOrDefault("CANYON_INFLUX_DOWNSAMPLE_INTERVAL_S", "60")))));
        }
        AnalyticsConfig config = new AnalyticsConfig(kafka, Map.of(), env.get("CANYON_GROUP_ID"), influx,
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("CANYON_CHECKPOINT_INTERVAL_S", "5"))), null,
                Integer.parseInt(env.getOrDefault("CANYON_PARALLELISM", "1")), -1);
        config = config.withAnalytics(analytics(env));
        TopicSetup.ensure(kafka);
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment();
        Checkpoints.restoreLatest(flink); // a restarted JobManager continues from the newest retained checkpoint
        StepAnalyticsJob.buildProduction(flink, config);
        flink.execute(StepAnalyticsJob.NAME);
    }

    /** Analytics settings from the environment (the variables above), defaults for what is not set. */
    public static dev.canyon.analytics.AnalyticsSettings analytics(Map<String, String> env) {
        return dev.canyon.analytics.AnalyticsSettings.fromMap(env);
    }
}
