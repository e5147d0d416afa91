package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends framed records to Kafka asynchronously, keyed by run id, and checks every send's result:
 * a record the broker refuses (too large, unauthorized, timed out) is counted and logged with its
 * reason, and {@link #close()} reports it, so nothing vanishes silently. Sends never throw into the
 * caller: telemetry must not stop training.
 */
public final class TelemetryPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryPublisher.class);

    private final Producer<String, byte[]> producer;
    private final int maxRecordBytes;
    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong stepsAcknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    public TelemetryPublisher(TelemetryConfig config) {
        var props = config.producerProperties();
        this.maxRecordBytes = Integer.parseInt(String.valueOf(props.getOrDefault("max.request.size", "1048576")));
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends {@code value} to {@code topic} keyed by {@code runId}; the outcome is counted, never thrown. */
    public void send(String topic, String runId, byte[] value) {
        attempted.incrementAndGet();
        if (value.length > maxRecordBytes) {
            fail(topic, runId, new IllegalArgumentException("record of " + value.length + " bytes exceeds max.request.size "
                    + maxRecordBytes + "; raise it (and the topic's max.message.bytes) or use a smaller vector representation"));
            return;
        }
        try {
            producer.send(new ProducerRecord<>(topic, runId, value), (metadata, error) -> {
                if (error == null) {
                    acknowledged.incrementAndGet();
                    if (Topics.STEPS.equals(topic)) {
                        stepsAcknowledged.incrementAndGet();
                    }
                } else {
                    fail(topic, runId, error);
                }
            });
        } catch (RuntimeException e) {
            fail(topic, runId, e);
        }
    }

    private void fail(String topic, String runId, Exception error) {
        long n = failed.incrementAndGet();
        firstFailure.compareAndSet(null, error);
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.error("Telemetry record for run {} on topic {} was not delivered ({} failed so far): {}", runId, topic, n,
                    error.toString());
        }
    }

    /** Waits until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    /** Records handed to {@link #send}. */
    public long attempted() {
        return attempted.get();
    }

    /** Records the broker acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Step records the broker acknowledged. */
    public long stepsAcknowledged() {
        return stepsAcknowledged.get();
    }

    /** Records that failed, with the first reason in {@link #firstFailure()}. */
    public long failed() {
        return failed.get();
    }

    public Exception firstFailure() {
        return firstFailure.get();
    }

    /**
     * Flushes and closes the producer; throws {@link TelemetryException} if any record failed, so a
     * caller that cares learns of the loss.
     */
    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            producer.close();
        }
        if (failed.get() > 0) {
            throw new TelemetryException(failed.get() + " of " + attempted.get() + " telemetry records were not delivered; first: "
                    + firstFailure.get(), firstFailure.get());
        }
    }
}
