package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.proto.TelemetryHealth;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka {@link TelemetrySink}: sends framed records to Kafka keyed by run id without ever holding
 * training up for longer than the configured budget, and without losing or reordering records when
 * Kafka is away.
 *
 * <p>How: the producer is idempotent and retries without a deadline, so every record it accepts is
 * delivered exactly once, in order, once the broker is reachable. What it has accepted but not yet
 * had acknowledged is bounded by {@link TelemetryConfig#inFlightBytes()}; a record that would pass
 * that bound, or that the producer cannot accept within the step budget ({@code max.block.ms},
 * e.g. no metadata while the broker is down), goes to an on-disk {@link SpillJournal} instead, and
 * so does every later record while the journal holds any, to keep order. A background thread
 * re-sends the journal, oldest first, as room frees up. Every send's outcome is checked: a record
 * the broker refuses (too large, unauthorized) is counted as dropped, logged with its reason, and
 * reported by {@link #finish()} and {@link #close()}; nothing vanishes silently.
 *
 * <p>Memory: at most {@code inFlightBytes} of records plus the producer's buffer. Disk: at most
 * {@link TelemetryConfig#journalMaxBytes()}; past that, records are dropped and counted.
 */
public final class KafkaTelemetrySink implements TelemetrySink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTelemetrySink.class);

    private final TelemetryConfig config;
    private final Producer<String, byte[]> producer;
    private final int maxRecordBytes;
    private final long budgetBytes;
    private final SpillJournal journal;
    private final Object lock = new Object();
    private final Thread drainer;
    private long inFlight;
    private volatile boolean closing;

    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong stepsAcknowledged = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private DeliveryReport finished;

    /** A sink publishing to the cluster of {@code config}, with its producer properties and delivery settings. */
    public KafkaTelemetrySink(TelemetryConfig config) {
        this.config = config;
        var props = config.producerProperties();
        this.maxRecordBytes = Integer.parseInt(String.valueOf(props.getOrDefault("max.request.size", "1048576")));
        this.budgetBytes = config.inFlightBytes();
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.journal = new SpillJournal(config.journalDir().resolve(config.runId() + ".journal"), config.journalMaxBytes());
        this.drainer = new Thread(this::drain, "canyon-telemetry-journal-" + config.runId());
        drainer.setDaemon(true);
        drainer.start();
    }

    /** Sends {@code value} to {@code topic} keyed by {@code runId}; never throws, waits at most the step budget. */
    @Override
    public void send(String topic, String runId, byte[] value) {
        attempted.incrementAndGet();
        if (value.length > maxRecordBytes) {
            fail(topic, runId, new IllegalArgumentException("record of " + value.length + " bytes exceeds max.request.size "
                    + maxRecordBytes + "; raise it (and the topic's max.message.bytes) or use a smaller vector representation"));
            return;
        }
        boolean direct;
        synchronized (lock) {
            direct = journal.isEmpty() && inFlight + value.length <= budgetBytes;
        }
        // The producer is called without holding the lock: it may wait for metadata up to the step
        // budget, and its I/O thread needs the lock to complete earlier records' callbacks. Order is
        // kept per writer thread: a thread sends directly only while the journal is empty.
        if (direct) {
            RuntimeException refused = trySend(topic, runId, value, false);
            if (refused == null) {
                return;
            }
            if (!(refused instanceof RetriableException)) {
                fail(topic, runId, refused);
                return;
            }
            if (spilled.get() == 0 || LOG.isDebugEnabled()) {
                LOG.warn("Kafka did not take telemetry within the step budget ({}); journaling to {}", refused.toString(),
                        journal.file());
            }
        }
        synchronized (lock) {
            try {
                if (journal.append(new SpillJournal.Entry(topic, runId, value))) {
                    spilled.incrementAndGet();
                    lock.notifyAll();
                } else {
                    fail(topic, runId, new IllegalStateException("telemetry journal " + journal.file() + " is full ("
                            + config.journalMaxBytes() + " bytes)"));
                }
            } catch (IOException e) {
                fail(topic, runId, e);
            }
        }
    }

    /**
     * Hands one record to the producer. The producer reports a record it never accepted (no
     * metadata within {@code max.block.ms}, too large, ...) through the callback, synchronously,
     * inside {@code send}; such a record is returned here instead of being counted, so the caller
     * can journal it (retriable) or drop it. Null when the producer accepted the record.
     */
    private RuntimeException trySend(String topic, String key, byte[] value, boolean fromJournal) {
        Thread caller = Thread.currentThread();
        boolean[] inSend = {true};
        RuntimeException[] refused = {null};
        synchronized (lock) {
            inFlight += value.length;
        }
        boolean step = isStep(topic, value);
        org.apache.kafka.clients.producer.Callback delivered = callback(topic, key, value.length, fromJournal, step);
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                if (error != null && inSend[0] && Thread.currentThread() == caller) {
                    refused[0] = error instanceof RuntimeException re ? re : new org.apache.kafka.common.KafkaException(error);
                    return;
                }
                delivered.onCompletion(metadata, error);
            });
        } catch (RuntimeException e) {
            refused[0] = e;
        } finally {
            inSend[0] = false;
        }
        if (refused[0] != null) {
            synchronized (lock) {
                inFlight -= value.length;
                lock.notifyAll();
            }
        }
        return refused[0];
    }

    private org.apache.kafka.clients.producer.Callback callback(String topic, String runId, int bytes, boolean fromJournal,
            boolean step) {
        return (metadata, error) -> {
            synchronized (lock) {
                inFlight -= bytes;
                lock.notifyAll();
            }
            if (error == null) {
                acknowledged.incrementAndGet();
                if (fromJournal) {
                    resent.incrementAndGet();
                }
                if (step) {
                    stepsAcknowledged.incrementAndGet();
                }
            } else {
                fail(topic, runId, error);
            }
        };
    }

    /** Re-sends journaled records in order as the in-flight bound allows. */
    private void drain() {
        long backoff = 50;
        while (true) {
            SpillJournal.Entry next;
            synchronized (lock) {
                try {
                    while (journal.isEmpty() && !closing) {
                        lock.wait();
                    }
                    if (journal.isEmpty()) {
                        return;
                    }
                    next = journal.peek();
                    while (inFlight > 0 && inFlight + next.value().length > budgetBytes) {
                        lock.wait(200);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    LOG.error("Cannot read telemetry journal {}: {}", journal.file(), e.toString());
                    return;
                }
            }
            RuntimeException refused = trySend(next.topic(), next.key(), next.value(), true);
            try {
                if (refused == null || !(refused instanceof RetriableException)) {
                    if (refused != null) {
                        fail(next.topic(), next.key(), refused);
                    }
                    synchronized (lock) {
                        journal.pop(next);
                        lock.notifyAll();
                    }
                    backoff = 50;
                    continue;
                }
            } catch (IOException e) {
                LOG.error("Cannot update telemetry journal {}: {}", journal.file(), e.toString());
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                return;
            }
            backoff = Math.min(backoff * 2, 2000);
        }
    }

    private void fail(String topic, String runId, Exception error) {
        long n = failed.incrementAndGet();
        firstFailure.compareAndSet(null, error);
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.error("Telemetry record for run {} on topic {} was not delivered ({} dropped so far): {}", runId, topic, n,
                    error.toString());
        }
    }

    /** Waits up to {@code timeout} until every record so far is acknowledged or dropped; true if so. */
    @Override
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!journal.isEmpty() || inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, Math.min(left / 1_000_000, 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** The cumulative counters, as they travel in step and run-ended records. */
    @Override
    public TelemetryHealth health() {
        return TelemetryHealth.newBuilder()
                .setSent(acknowledged.get())
                .setSpilled(spilled.get())
                .setResent(resent.get())
                .setDropped(failed.get())
                .build();
    }

    @Override
    public DeliveryReport report() {
        synchronized (lock) {
            if (finished != null) {
                return report(finished.settled(), finished.journaled(), finished.waited());
            }
            return report(journal.isEmpty() && inFlight == 0, journal.size(), Duration.ZERO);
        }
    }

    private DeliveryReport report(boolean settled, long journaled, Duration waited) {
        return new DeliveryReport(attempted.get(), acknowledged.get(), stepsAcknowledged.get(), spilled.get(), resent.get(),
                failed.get(), settled, journaled, journal.file(), waited, firstFailure.get());
    }

    /**
     * Delivers what is pending (waiting up to {@link TelemetryConfig#closeTimeout()}), then closes
     * the producer and the journal; the report says whether any record was dropped or is still
     * undelivered, and names the journal that holds the rest.
     */
    @Override
    public synchronized DeliveryReport finish() {
        if (finished != null) {
            return finished;
        }
        boolean drained = flush(config.closeTimeout());
        closing = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        long pending;
        try {
            drainer.join(drained ? 5000 : 100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(drained ? Duration.ofSeconds(30) : Duration.ZERO);
        synchronized (lock) {
            pending = journal.size();
        }
        try {
            journal.close();
        } catch (IOException e) {
            LOG.warn("Cannot close telemetry journal {}: {}", journal.file(), e.toString());
        }
        DeliveryReport r = report(drained, pending, config.closeTimeout());
        synchronized (lock) {
            finished = r;
        }
        return r;
    }

    /** Whether {@code frame} on {@code topic} is a step record (its frame's kind byte); probes share the step topic. */
    static boolean isStep(String topic, byte[] frame) {
        return Topics.STEPS.equals(topic) && frame.length > 3 && frame[3] == dev.canyon.contract.RecordKind.STEP.code();
    }

    /** Where records go while Kafka is away. */
    public Path journalFile() {
        return journal.file();
    }
}
