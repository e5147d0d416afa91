package dev.canyon.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {

    @TempDir
    Path dir;

    @Test
    void readsAPropertiesFile() throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, "# Kafka client settings\nsecurity.protocol=SASL_SSL\nsasl.mechanism = SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
                + "    username=\"alice\" password=\"s3cret\";\n");
        Map<String, String> p = KafkaClientProperties.load(f);
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"s3cret\";")
                .hasSize(3);
        assertThat(KafkaClientProperties.fromEnvironment(Map.of(KafkaClientProperties.ENV, f.toString()))).isEqualTo(p);
        assertThat(KafkaClientProperties.fromEnvironment(Map.of())).isEmpty();
        assertThat(KafkaClientProperties.fromEnvironment(Map.of(KafkaClientProperties.ENV, " "))).isEmpty();
    }

    @Test
    void errorsNameTheFileAndNeverItsContent() throws Exception {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaClientProperties.load(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Kafka client configuration file " + missing + " does not exist");
        assertThatThrownBy(() -> KafkaClientProperties.fromEnvironment(Map.of(KafkaClientProperties.ENV, missing.toString())))
                .hasMessage("CANYON_KAFKA_CONFIG: Kafka client configuration file " + missing + " does not exist");
        assertThatThrownBy(() -> KafkaClientProperties.load(dir)).hasMessage("Kafka client configuration file " + dir
                + " is not a regular file");
        Path bootstrap = dir.resolve("b.properties");
        Files.writeString(bootstrap, "bootstrap.servers=elsewhere:9092\nsasl.jaas.config=x password=\"hunter2\";\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(bootstrap)).hasMessageContaining(bootstrap.toString())
                .hasMessageContaining("sets bootstrap.servers").hasMessageNotContaining("hunter2");
        Path malformed = dir.resolve("m.properties");
        Files.writeString(malformed, "sasl.jaas.config=hunter2 \\u12\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(malformed)).hasMessageContaining(malformed + " is malformed")
                .hasMessageNotContaining("hunter2");
        if (!"root".equals(System.getProperty("user.name"))) {
            Path unreadable = dir.resolve("u.properties");
            Files.writeString(unreadable, "a=b\n");
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            assertThatThrownBy(() -> KafkaClientProperties.load(unreadable)).hasMessage("Kafka client configuration file "
                    + unreadable + " is not readable by this user");
        }
    }

    @Test
    void secretsAreRecognisedAndRefusedByName() {
        for (String k : new String[] {"sasl.jaas.config", "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", "ssl.key.password",
                "ssl.keystore.password", "ssl.truststore.password", "ssl.keystore.key", "basic.auth.user.info",
                "schema.registry.basic.auth.user.info", "sasl.oauthbearer.client.credentials.client.secret", "SASL.JAAS.CONFIG"}) {
            assertThat(KafkaClientProperties.isSecret(k)).as(k).isTrue();
        }
        for (String k : new String[] {"security.protocol", "sasl.mechanism", "ssl.truststore.location", "ssl.truststore.type",
                "ssl.endpoint.identification.algorithm", "client.id", "acks", "basic.auth.credentials.source",
                "sasl.oauthbearer.token.endpoint.url"}) {
            assertThat(KafkaClientProperties.isSecret(k)).as(k).isFalse();
        }
        KafkaClientProperties.refuseSecrets(Map.of("security.protocol", "SASL_SSL"), "--kafka-property");
        assertThatThrownBy(() -> KafkaClientProperties.refuseSecrets(Map.of("ssl.key.password", "hunter2", "acks", "all"),
                "--kafka-property")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--kafka-property ssl.key.password: secrets are refused on the command line")
                .hasMessageContaining("--kafka-config FILE").hasMessageContaining("$CANYON_KAFKA_CONFIG")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void theCommandLineOverridesTheFile() {
        assertThat(KafkaClientProperties.merge(Map.of("a", "1", "b", "2"), Map.of("b", "3"))).isEqualTo(Map.of("a", "1", "b", "3"));
    }
}
