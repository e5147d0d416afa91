package dev.canyon.job.kafka;

import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Alert;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes alerts as framed {@link Alert} records keyed by run id. */
public final class AlertSerializer implements KafkaRecordSerializationSchema<AlertRecord> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public AlertSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(AlertRecord a, KafkaSinkContext context, Long timestamp) {
        Alert alert = Alert.newBuilder()
                .setRunId(a.runId)
                .setExperimentId(a.experimentId == null ? "" : a.experimentId)
                .setKind(Alert.Kind.valueOf(a.kind))
                .setOpen(a.open)
                .setStep(a.step)
                .setEventTimeMs(a.eventTimeMs)
                .setEvidence(a.evidence)
                .setObstacleState(a.obstacleState == null ? "" : a.obstacleState)
                .build();
        return new ProducerRecord<>(topic, a.runId.getBytes(StandardCharsets.UTF_8), WireRecords.encode(alert));
    }
}
