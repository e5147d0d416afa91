package dev.canyon.job.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Alert;
import dev.canyon.kernels.stall.StallDetector;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every stall-alert kind, spikes included, goes to the alerts topic as the contract's Alert.Kind of
 * the same name, whose number is the kind's persisted code + 1 (the proto enum's 0 is "unspecified").
 */
class AlertSerializerTest {
    @Test
    void everyKindHasItsContractKind() {
        AlertSerializer serializer = new AlertSerializer(Topics.ALERTS);
        for (StallDetector.Kind kind : StallDetector.Kind.values()) {
            AlertTransition a = new AlertTransition(new At("run-1", "exp-1", 7, 1_700_000_000_000L), kind, true, "why", "PROGRESSING");
            ProducerRecord<byte[], byte[]> r = serializer.serialize(a, null, null);
            assertThat(r.topic()).isEqualTo(Topics.ALERTS);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("run-1");
            Alert decoded = ((WireRecords.DecodedAlert) WireRecords.decode(r.value())).record();
            assertThat(decoded.getKind().name()).isEqualTo(kind.name());
            assertThat(decoded.getKind().getNumber()).as(kind.name()).isEqualTo(kind.code() + 1);
            assertThat(decoded.getStep()).isEqualTo(7);
            assertThat(decoded.getEvidence()).isEqualTo("why");
        }
        assertThat(Alert.Kind.values()).as("UNSPECIFIED, every kind, UNRECOGNIZED")
                .hasSize(StallDetector.Kind.values().length + 2);
    }
}
