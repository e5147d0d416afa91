package dev.canyon.cli;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code canyon train}: train with telemetry published to a Kafka cluster. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains an MLP on Fashion-MNIST and publishes per-step telemetry to Kafka.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    TrainingOptions training;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default: $CANYON_KAFKA or ${DEFAULT-VALUE}).",
            defaultValue = "${env:CANYON_KAFKA:-localhost:9092}")
    String bootstrapServers;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka producer property, e.g. security.protocol=SASL_SSL (repeatable).")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--experiment", description = "Experiment id (default: ${DEFAULT-VALUE}).", defaultValue = "default")
    String experiment;

    @Option(names = "--run-id", description = "Run id (default: generated).")
    String runId;

    @Option(names = "--vectors", defaultValue = "sketch:1024", converter = VectorsConverter.class,
            description = "Gradient and delta vectors: full, half, sketch or sketch:K (default: ${DEFAULT-VALUE}).")
    VectorRepresentation vectors;

    @Option(names = "--probes", defaultValue = "economy",
            description = "Probe preset: off, economy (curvature every 50 steps, Hessian every 500, linear path every 1,000) "
                    + "or full (10, 100, 200) (default: ${DEFAULT-VALUE}).")
    String probes;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create Canyon's topics when missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Override
    public Integer call() {
        if (createTopics) {
            java.util.Properties admin = new java.util.Properties();
            admin.putAll(kafkaProperties);
            admin.put("bootstrap.servers", bootstrapServers);
            TopicSetup.ensure(admin, TopicSetup.DEFAULT_PARTITIONS, (short) 1);
        }
        TelemetryConfig config = TelemetryConfig.of(bootstrapServers).withRun(experiment, runId)
                .withKafkaProperties(kafkaProperties).withVectors(vectors).withProbes(ProbePlan.preset(probes));
        MlpTrainer.Options options = training.toOptions();
        ProgressBar bar = new ProgressBar(System.err, "train", options.steps());
        MlpTrainer.Result r = MlpTrainer.train(options, config, s -> bar.update(s, ""));
        System.out.printf("run %s (experiment %s): %d steps, %d step records published, final loss %.6f%n", r.runId(),
                r.experimentId(), r.steps(), r.stepsPublished(), r.finalLoss());
        return r.stepsPublished() == r.steps() ? 0 : 2;
    }
}
