package dev.canyon.trainer.telemetry;

import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.TelemetryHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TelemetrySink} that keeps every record in memory, in the order it was sent: for tests,
 * and for training that wants its telemetry without a broker. Every record sent before {@link
 * #finish()} counts as delivered at once; records sent afterwards are dropped (counted, with the
 * reason). Thread-safe. Memory: every record it was given (in sketch mode a few KB per step; with
 * full vectors about 8·d bytes per step).
 */
public final class InMemoryTelemetrySink implements TelemetrySink {

    /** One record as the listener sent it: its topic, key (run id) and framed bytes. */
    public record Sent(String topic, String key, byte[] frame) {
        /** The record, decoded and validated by the contract. */
        public WireRecords.Decoded decode() {
            return WireRecords.decode(frame);
        }
    }

    private final List<Sent> records = new ArrayList<>();
    private long attempted;
    private long steps;
    private long dropped;
    private Exception firstFailure;
    private DeliveryReport finished;

    @Override
    public synchronized void send(String topic, String key, byte[] frame) {
        attempted++;
        if (finished != null) {
            dropped++;
            if (firstFailure == null) {
                firstFailure = new IllegalStateException("record for " + key + " on " + topic + " sent after the sink finished");
            }
            return;
        }
        records.add(new Sent(topic, key, frame.clone()));
        if (KafkaTelemetrySink.isStep(topic, frame)) {
            steps++;
        }
    }

    /** Every record so far, in the order sent. */
    public synchronized List<Sent> records() {
        return List.copyOf(records);
    }

    /** The records sent to {@code topic}, in order. */
    public synchronized List<Sent> records(String topic) {
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** Every record so far, decoded, in the order sent. */
    public List<WireRecords.Decoded> decoded() {
        return records().stream().map(Sent::decode).toList();
    }

    /** Nothing is ever pending: true at once. */
    @Override
    public boolean flush(Duration timeout) {
        return true;
    }

    @Override
    public synchronized TelemetryHealth health() {
        return TelemetryHealth.newBuilder().setSent(records.size()).setDropped(dropped).build();
    }

    @Override
    public synchronized DeliveryReport report() {
        return current();
    }

    private DeliveryReport current() {
        return new DeliveryReport(attempted, records.size(), steps, 0, 0, dropped, true, 0, null, Duration.ZERO, firstFailure, 0);
    }

    /** Stops taking records (later ones are dropped); the records stay readable. */
    @Override
    public synchronized DeliveryReport finish() {
        if (finished == null) {
            finished = current();
        }
        return finished;
    }
}
