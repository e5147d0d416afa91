package dev.canyon.analytics.job;

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
 * <tr><td>CANYON_GROUP_ID</td><td>consumer group (default canyon-analytics)</td></tr>
 * <tr><td>CANYON_CHECKPOINT_INTERVAL_S</td><td>seconds between checkpoints (default 5)</td></tr>
 * <tr><td>CANYON_PARALLELISM</td><td>operator parallelism (default 1)</td></tr>
 * </table>
 */
public final class StepAnalyticsMain {
    private StepAnalyticsMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String kafka = env.getOrDefault("CANYON_KAFKA", "kafka:9092");
        InfluxConfig influx = InfluxConfig.of(env.getOrDefault("CANYON_INFLUX_URL", "http://influxdb:8086"))
                .withDatabase(env.getOrDefault("CANYON_INFLUX_DB", InfluxConfig.DEFAULT_DATABASE))
                .withCredentials(env.getOrDefault("CANYON_INFLUX_USER", ""), env.getOrDefault("CANYON_INFLUX_PASSWORD", ""));
        AnalyticsConfig config = new AnalyticsConfig(kafka, Map.of(), env.get("CANYON_GROUP_ID"), influx,
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("CANYON_CHECKPOINT_INTERVAL_S", "5"))), null,
                Integer.parseInt(env.getOrDefault("CANYON_PARALLELISM", "1")), -1);
        TopicSetup.ensure(kafka);
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildProduction(flink, config);
        flink.execute(StepAnalyticsJob.NAME);
    }
}
