package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TelemetryConfig.Builder#kafkaPropertiesFrom}: the client properties file under the explicit properties. */
class TelemetryConfigKafkaFileTest {

    @TempDir
    Path dir;

    @Test
    void theFileSetsProducerPropertiesAndExplicitOnesOverrideIt() throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"p\";\n"
                + "linger.ms=50\n");
        TelemetryConfig c = TelemetryConfig.builder().bootstrapServers("k:9092").journalDir(dir.resolve("j")).kafkaPropertiesFrom(f)
                .kafkaProperties(Map.of("linger.ms", "7")).build();
        assertThat(c.kafkaPropertiesFile()).isEqualTo(f);
        assertThat(c.producerProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("linger.ms", "7").containsEntry("acks", "all")
                .containsKey("sasl.jaas.config");
        // A copy reads the file again and keeps the explicit properties apart.
        TelemetryConfig copy = c.toBuilder().kafkaProperties(Map.of()).build();
        assertThat(copy.producerProperties()).containsEntry("linger.ms", "50").containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.toString()).doesNotContain("password");
        assertThat(TelemetryConfig.builder().bootstrapServers("k:9092").journalDir(dir.resolve("j")).kafkaPropertiesFrom(null)
                .build().kafkaProperties()).isEmpty();
    }

    @Test
    void aMissingFileIsNamedAtBuild() {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> TelemetryConfig.builder().bootstrapServers("k:9092").kafkaPropertiesFrom(missing).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Kafka client configuration file " + missing + " does not exist");
    }
}
