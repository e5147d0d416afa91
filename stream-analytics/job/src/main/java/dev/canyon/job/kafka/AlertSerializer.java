package dev.canyon.job.kafka;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Alert;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes alerts as framed {@link Alert} records keyed by run id. */
public final class AlertSerializer implements KafkaRecordSerializationSchema<AlertTransition> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public AlertSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(AlertTransition a, KafkaSinkContext context, Long timestamp) {
        Alert alert = Alert.newBuilder()
                .setRunId(a.at().run())
                .setExperimentId(a.at().experiment())
                .setKind(Alert.Kind.valueOf(a.kind().name()))
                .setOpen(a.open())
                .setStep(a.at().step())
                .setEventTimeMs(a.at().eventTimeMs())
                .setEvidence(a.evidence())
                .setObstacleState(a.obstacleState())
                .build();
        return new ProducerRecord<>(topic, a.at().run().getBytes(StandardCharsets.UTF_8), WireRecords.encode(alert));
    }
}
