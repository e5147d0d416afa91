package dev.canyon.trainer.telemetry;

import dev.canyon.contract.proto.TelemetryHealth;
import java.time.Duration;

/**
 * Where a {@link TelemetryListener} hands its framed records (the contract's {@code RecordFrame}s),
 * one topic per record kind, keyed by run id. {@link KafkaTelemetrySink} publishes them to Kafka
 * (journaling what Kafka cannot take); {@link InMemoryTelemetrySink} keeps them in order, for tests
 * and for training that wants the records without a broker.
 *
 * <p>Contract: {@link #send} never throws and never holds a training step up for longer than the
 * sink's step budget; records of one key stay in the order they were sent; every record ends up
 * delivered, left in a journal for later, or counted as dropped, with the first reason, and
 * {@link #finish()} says which. Sends may
 * come from more than one thread (the training thread and the listener's telemetry thread), each in
 * its own order.
 */
public interface TelemetrySink extends AutoCloseable {

    /** Hands one framed record for {@code topic}, keyed by {@code key}; never throws. */
    void send(String topic, String key, byte[] frame);

    /** Waits up to {@code timeout} until every record so far is delivered or dropped; true if so. */
    boolean flush(Duration timeout);

    /** The cumulative counters, as they travel in step and run-ended records. */
    TelemetryHealth health();

    /** What has become of the records so far. */
    DeliveryReport report();

    /**
     * Delivers what is pending (waiting at most the sink's close timeout), releases the sink, and
     * returns the final report; never throws. Later calls return the same report; records sent
     * afterwards are dropped.
     */
    DeliveryReport finish();

    /**
     * {@link #finish()}; never throws by default (the report says what happened; a sink may offer a
     * strict mode that throws {@link TelemetryException}, as {@link KafkaTelemetrySink} does with
     * {@link TelemetryConfig#strictDelivery()}).
     */
    @Override
    default void close() {
        finish();
    }
}
