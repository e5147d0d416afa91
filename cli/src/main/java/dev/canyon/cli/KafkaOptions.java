package dev.canyon.cli;

import dev.canyon.contract.kafka.KafkaClientProperties;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The Kafka client settings of a command: {@code --kafka-config FILE} (default {@code
 * $CANYON_KAFKA_CONFIG}), a properties file with the security settings and their secrets, and
 * {@code --kafka-property KEY=VALUE} for further settings that are not secret. A secret given with
 * {@code --kafka-property} is refused before anything runs (exit status 2): every user of the
 * machine could read it in the process list.
 */
final class KafkaOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:CANYON_KAFKA_CONFIG}",
            description = "Kafka client properties file, as Kafka's tools take with --command-config: security.protocol, "
                    + "sasl.mechanism, sasl.jaas.config, ssl.* and the other secrets (default: $CANYON_KAFKA_CONFIG).")
    Path config;

    private final Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Further Kafka client property that is not a secret, e.g. client.rack=eu-1a (repeatable; overrides "
                    + "the --kafka-config file). Secrets (sasl.jaas.config, *.password, ...) are refused here: put them in the "
                    + "--kafka-config file.")
    void property(Map<String, String> values) {
        try {
            KafkaClientProperties.refuseSecrets(values, "--kafka-property");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        properties.putAll(values);
    }

    /** The file's properties (none without a file), then the command line's. */
    Map<String, String> clientProperties() {
        return KafkaClientProperties.merge(config == null ? Map.of() : KafkaClientProperties.load(config), properties);
    }

    /** The {@code --kafka-property} settings alone. */
    Map<String, String> commandLineProperties() {
        return properties;
    }
}
