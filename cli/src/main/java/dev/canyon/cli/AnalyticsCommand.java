package dev.canyon.cli;

import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.storage.InfluxConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon analytics}: run the step-analytics job on a local MiniCluster against external Kafka and InfluxDB. */
@Command(name = "analytics", mixinStandardHelpOptions = true,
        description = "Runs the step-analytics job (Flink MiniCluster in this JVM) from Kafka into InfluxDB until stopped. "
                + "On a Flink cluster, submit the stream-analytics job jar instead (docs/operations.md, \"Running the job on an existing Flink cluster\").")
final class AnalyticsCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:CANYON_KAFKA:-localhost:9092}",
            description = "Kafka bootstrap servers (default: $CANYON_KAFKA or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @picocli.CommandLine.Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Mixin
    InfluxOptions influxOptions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Gone: a password on the command line is in the process list for every user of the machine. */
    @Option(names = "--influx-password", hidden = true, paramLabel = "PASSWORD")
    void influxPassword(String ignored) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--influx-password is not accepted: a password on "
                + "the command line is visible to every user of this machine in the process list; set CANYON_INFLUX_PASSWORD "
                + "in the environment instead");
    }

    @Option(names = "--group-id", defaultValue = AnalyticsConfig.DEFAULT_GROUP, description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--parallelism", defaultValue = "1", description = "Operator parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--checkpoint-interval", defaultValue = "5", description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointSeconds;

    @Option(names = "--checkpoint-dir", description = "Checkpoint folder; the job continues from the newest checkpoint in it "
            + "and retains its own there when stopped (default: none, no restart continuity).")
    java.nio.file.Path checkpointDir;

    @Override
    public Integer call() throws Exception {
        Map<String, String> kafkaProperties = kafka.clientProperties();
        TopicSetup.ensure(bootstrapServers, kafkaProperties);
        InfluxConfig influx = influxOptions.config();
        AnalyticsConfig config = new AnalyticsConfig(bootstrapServers, kafkaProperties, groupId, influx,
                Duration.ofSeconds(checkpointSeconds), null, parallelism, -1,
                dev.canyon.job.StepAnalyticsMain.analytics(System.getenv()));
        Configuration conf = dev.canyon.job.LocalCluster.secure(new Configuration());
        if (checkpointDir != null) {
            dev.canyon.job.Checkpoints.configure(conf, checkpointDir).ifPresent(p ->
                    System.err.println("canyon analytics: continuing from checkpoint " + p));
        }
        StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(conf);
        StepAnalyticsJob.buildProduction(env, config);
        System.err.println("canyon analytics: " + bootstrapServers + " -> " + influx + " (Ctrl-C to stop)");
        env.execute(StepAnalyticsJob.NAME);
        return 0;
    }
}
