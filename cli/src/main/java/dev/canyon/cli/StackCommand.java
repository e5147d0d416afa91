package dev.canyon.cli;

import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.LocalStack;
import dev.canyon.storage.InfluxConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon stack}: the local stack and the analytics job, running until Ctrl-C. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Starts the local stack (in-process Kafka, influxd, the analytics job on Flink's MiniCluster) and keeps "
                + "it running until Ctrl-C, so that `canyon train` (or your own training with the listener) can publish to it.",
                "Data persists in --data-dir between starts."})
final class StackCommand implements Callable<Integer> {

    @Option(names = "--data-dir", description = "Where Kafka, InfluxDB and Flink keep their data (default: $CANYON_DATA_DIR or ./.canyon).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka port (default: ${DEFAULT-VALUE}; 0 for a free one).")
    int kafkaPort;

    @Option(names = "--influx-port", defaultValue = "8086", description = "InfluxDB HTTP port (default: ${DEFAULT-VALUE}; 0 for a free one).")
    int influxPort;

    @Option(names = "--flink-port", defaultValue = "8081",
            description = "Port of Flink's web UI and REST endpoint, read-only and on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 for a free one).")
    int flinkPort;

    @Option(names = "--ui-port", defaultValue = "" + dev.canyon.ui.LiveView.DEFAULT_PORT,
            description = "Port of the live view, read-only and on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 for a free one).")
    int uiPort;

    @Override
    public Integer call() throws Exception {
        Path dir = DataDirs.resolve(dataDir);
        Ports.requireFree(kafkaPort, "--kafka-port", "Kafka");
        Ports.requireFree(influxPort, "--influx-port", "InfluxDB");
        Ports.requireFree(flinkPort, "--flink-port", "Flink's web UI");
        Ports.requireFree(uiPort, "--ui-port", "the live view");
        try (LocalStack stack = DataDirs.startStack(dir, kafkaPort, influxPort)) {
            String bootstrap = stack.kafka().bootstrapServers();
            TopicSetup.ensure(bootstrap);
            InfluxConfig influx = InfluxConfig.of(stack.influxd().url());
            Configuration conf = dev.canyon.job.LocalCluster.secure(new Configuration());
            int restPort = flinkPort == 0 ? dev.canyon.stack.FreePort.pick() : flinkPort;
            conf.setString("rest.bind-port", Integer.toString(restPort));
            // Continues from the newest checkpoint a previous stack on this data left (stopped or killed).
            var restored = dev.canyon.job.Checkpoints.configure(conf, dir.resolve("flink-checkpoints"));
            StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(conf);
            StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(bootstrap, influx).withCheckpointInterval(Duration.ofSeconds(5))
                    .withAnalytics(dev.canyon.job.StepAnalyticsMain.analytics(System.getenv())));
            JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
            try (KafkaRunCatalog catalog = new KafkaRunCatalog(bootstrap, java.util.Map.of());
                    dev.canyon.ui.LiveView view = dev.canyon.ui.LiveView.start(influx, uiPort, catalog,
                            "./canyon report --bootstrap-servers " + bootstrap)) {
                System.out.printf("Canyon local stack is up (data in %s)%n", dir);
                System.out.printf("  Kafka     %s%n", bootstrap);
                System.out.printf("  InfluxDB  %s (database %s)%n", stack.influxd().url(), influx.database());
                System.out.printf("  Flink     http://%s:%d/ (read-only)%n", dev.canyon.job.LocalCluster.LOOPBACK, restPort);
                System.out.printf("  train:    ./canyon train --bootstrap-servers %s%n", bootstrap);
                System.out.printf("  analytics %s%n", restored.map(p -> "continue from checkpoint " + p).orElse("start without state"));
                System.out.printf("Live view: %s%n", view.url());
                System.out.println("Ctrl-C to stop.");
                System.out.flush();
                try {
                    job.getJobExecutionResult().get();
                } finally {
                    job.cancel();
                }
            }
        }
        return 0;
    }
}
