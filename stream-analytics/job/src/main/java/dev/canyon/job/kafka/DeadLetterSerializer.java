package dev.canyon.job.kafka;

import dev.canyon.contract.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a dead letter as the original key and value with the reason and origin in headers; a value
 * or key beyond {@link DeadLetterHeaders#MAX_VALUE_BYTES} / {@link DeadLetterHeaders#MAX_KEY_BYTES}
 * is cut to that size and its original size kept in a header, so that no dead letter is too large to
 * write (a 60 MB record must not stop the job).
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        String reason = letter.reason.length() > 4096 ? letter.reason.substring(0, 4096) + " ..." : letter.reason;
        headers.add(DeadLetterHeaders.REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, String.valueOf(letter.record.topic).getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(letter.record.partition).getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, Long.toString(letter.record.offset).getBytes(StandardCharsets.UTF_8));
        byte[] key = cut(letter.record.key, DeadLetterHeaders.MAX_KEY_BYTES, DeadLetterHeaders.ORIGINAL_KEY_SIZE, headers);
        byte[] value = cut(letter.record.value, DeadLetterHeaders.MAX_VALUE_BYTES, DeadLetterHeaders.ORIGINAL_SIZE, headers);
        return new ProducerRecord<>(topic, null, timestamp, key, value, headers);
    }

    private static byte[] cut(byte[] bytes, int max, String header, RecordHeaders headers) {
        if (bytes == null || bytes.length <= max) {
            return bytes;
        }
        headers.add(header, Integer.toString(bytes.length).getBytes(StandardCharsets.UTF_8));
        return java.util.Arrays.copyOf(bytes, max);
    }
}
