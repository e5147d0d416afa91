package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.proto.TelemetryHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka {@link TelemetrySink}: sends framed records to Kafka keyed by run id without ever holding
 * training up for longer than the configured budget, and without losing or reordering records when
 * Kafka is away, within the process or across processes.
 *
 * <p>Start: a background thread fetches the metadata of Canyon's run and step topics once, waiting
 * at most {@link TelemetryConfig#startBudget()}; records sent meanwhile wait in memory, so a healthy
 * broker's slow first metadata fetch never makes a step journal. If the broker does not answer
 * within the budget, that is logged once (naming the address) and records take the outage path
 * below. Once started, the sink re-sends, in the background through a producer of its own, the
 * journals earlier processes left in its journal folder for the same bootstrap servers ({@link
 * JournalResender}); a journal left by an earlier process of this same run id is taken over
 * instead, and its records go first.
 *
 * <p>Steady state: the producer is idempotent and retries without a deadline, so every record it
 * accepts is delivered exactly once, in order, once the broker is reachable. What it has accepted
 * but not yet had acknowledged is bounded by {@link TelemetryConfig#inFlightBytes()}; a record that
 * would pass that bound, or that the producer cannot accept within the step budget ({@code
 * max.block.ms}), goes to the run's on-disk {@link SpillJournal} instead, and so does every later
 * record while the journal holds any, to keep order. A background thread re-sends the journal,
 * oldest first, as room frees up. Every send's outcome is checked: a record the broker refuses (too
 * large, unauthorized) is counted as dropped, logged with its reason, and reported by {@link
 * #finish()}; nothing vanishes silently.
 *
 * <p>Close ({@link #finish()}): waits at most {@link TelemetryConfig#closeTimeout()} for every record
 * to be acknowledged (and for the leftovers being re-sent); then every record not acknowledged —
 * accepted by the producer, waiting in memory, or journaled — is left in the journal, in order,
 * forced to disk, for the next sink started on the same folder or {@code canyon resend}. It never
 * throws; one warning says what waits where. {@link #close()} throws only with {@link
 * TelemetryConfig#strictDelivery()}.
 *
 * <p>Reachability: the sink logs one warning when Kafka becomes unreachable (no metadata within the
 * start budget, or nothing acknowledged for that long while records wait), naming the address and
 * where telemetry waits meanwhile, and one more, at the same level, when Kafka acknowledges again;
 * nothing in between. The producer's own reconnection attempts are spaced 1 s, doubling to 10 s
 * ({@link TelemetryConfig#producerProperties()}), so its client logs a few lines per outage, not
 * dozens.
 *
 * <p>Memory: at most {@code inFlightBytes} of records (held until acknowledged, so that they can be
 * journaled at close) plus the producer's buffer. Disk: at most {@link
 * TelemetryConfig#journalMaxBytes()}; past that, records are dropped and counted. A process killed
 * outright loses what it held in memory (at most {@code inFlightBytes}); what it had journaled
 * waits for the next start.
 */
public final class KafkaTelemetrySink implements TelemetrySink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTelemetrySink.class);

    /** The topics every run writes: their metadata is fetched once at start. */
    static final List<String> START_TOPICS = List.of(Topics.RUNS, Topics.STEPS);

    private final TelemetryConfig config;
    private final Producer<String, byte[]> producer;
    private final int maxRecordBytes;
    private final long budgetBytes;
    private final Path journalDir;
    private final Object lock = new Object();
    private final Thread worker;
    private volatile boolean closing;

    // Under lock.
    private SpillJournal journal;
    private IOException journalProblem;
    private final ArrayDeque<SpillJournal.Entry> queue = new ArrayDeque<>();
    private final LinkedHashMap<Long, Pending> unacked = new LinkedHashMap<>();
    private long nextSeq;
    private long inFlight;
    /** When records last made progress (acknowledged), or when nothing waited. */
    private long lastProgressNanos = System.nanoTime();
    /** When Kafka last acknowledged a record. */
    private long lastAckNanos = System.nanoTime() - 3_600_000_000_000L;
    /** Whether the last word logged about Kafka was that it is unreachable. */
    private boolean unreachable;
    private long unreachableSinceNanos;
    private boolean started;
    private boolean startDone;
    private boolean closed;
    private boolean abandoning;

    private JournalResender leftovers;
    private Thread leftoverThread;

    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong stepsAcknowledged = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private DeliveryReport finished;

    /** A record handed to the producer and not yet acknowledged; {@code journalEnd} ≥ 0 when it came from the journal. */
    private record Pending(SpillJournal.Entry entry, long journalEnd, boolean step) {}

    /** A sink publishing to the cluster of {@code config}, with its producer properties and delivery settings. */
    public KafkaTelemetrySink(TelemetryConfig config) {
        this(config, new KafkaProducer<>(config.producerProperties(), new StringSerializer(), new ByteArraySerializer()));
    }

    /** The same with {@code producer} (tests: a {@code MockProducer} that acknowledges when told). */
    KafkaTelemetrySink(TelemetryConfig config, Producer<String, byte[]> producer) {
        this.config = config;
        Properties props = config.producerProperties();
        this.maxRecordBytes = Integer.parseInt(String.valueOf(props.getOrDefault("max.request.size", "1048576")));
        this.budgetBytes = config.inFlightBytes();
        this.journalDir = config.journalDir();
        this.producer = producer;
        takeOverOwnJournal();
        this.worker = new Thread(this::work, "canyon-telemetry-journal-" + config.runId());
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * A journal this run id left behind for this cluster (the same run continued in a new process):
     * its records go before any new one.
     */
    private void takeOverOwnJournal() {
        Path own = journalDir.resolve(SpillJournal.fileName(config.runId(), 1));
        if (!Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            SpillJournal j = SpillJournal.open(own, config.journalMaxBytes());
            if (!config.runId().equals(j.header().runId()) || !j.header().bootstrapServers().equals(config.bootstrapServers())) {
                // Another run's (a file name clash), or written for another cluster: left for `canyon resend`.
                j.close(List.of());
                return;
            }
            journal = j;
            LOG.info("Telemetry journal {} of run {} holds {} records from an earlier process; they are sent first", own,
                    config.runId(), j.unread());
        } catch (IOException e) {
            LOG.warn("Telemetry journal {} of run {} cannot be taken over ({}); this process journals to another file",
                    own, config.runId(), e.getMessage());
        }
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
        SpillJournal.Entry entry = new SpillJournal.Entry(topic, runId, value);
        boolean direct;
        String why;
        boolean bound = false;
        synchronized (lock) {
            if (closed) {
                fail(topic, runId, new IllegalStateException("record for " + runId + " on " + topic + " sent after the sink finished"));
                return;
            }
            watchReachability();
            if (journal != null && journal.hasUnread()) {
                direct = false;
                why = null;
            } else if (!started || !queue.isEmpty()) {
                if (inFlight + value.length <= budgetBytes) {
                    queue.add(entry);
                    inFlight += value.length;
                    lock.notifyAll();
                    return;
                }
                direct = false;
                bound = started;
                why = started ? budgetBytes + " bytes of records wait for Kafka at " + config.bootstrapServers()
                        : "Kafka at " + config.bootstrapServers() + " has not answered yet and " + budgetBytes
                                + " bytes of records wait for it in memory";
            } else {
                direct = inFlight + value.length <= budgetBytes;
                why = direct ? null : budgetBytes + " bytes of records wait for Kafka's acknowledgement";
                bound = !direct;
            }
        }
        // The producer is called without holding the lock: it may wait for metadata up to the step
        // budget, and its I/O thread needs the lock to complete earlier records' callbacks. Order is
        // kept per writer thread: a thread sends directly only while nothing waits before it.
        if (direct) {
            RuntimeException refused = trySend(entry, -1, false);
            if (refused == null) {
                return;
            }
            if (!(refused instanceof RetriableException)) {
                fail(topic, runId, refused);
                return;
            }
            why = "Kafka did not take telemetry within the step budget (" + refused + ")";
        }
        journal(entry, why, bound);
    }

    /** {@code bound}: journaled because the in-memory or in-flight bound was reached (not because Kafka refused). */
    private void journal(SpillJournal.Entry e, String why, boolean bound) {
        synchronized (lock) {
            if (closed) {
                fail(e.topic(), e.key(), new IllegalStateException("record for " + e.key() + " on " + e.topic()
                        + " sent after the sink finished"));
                return;
            }
            if (journal == null && !openJournal()) {
                fail(e.topic(), e.key(), journalProblem);
                return;
            }
            try {
                if (journal.append(e)) {
                    if (why != null && (spilled.get() == 0 || LOG.isDebugEnabled())) {
                        if (bound && !unreachable && System.nanoTime() - lastAckNanos < 1_000_000_000L) {
                            // Kafka acknowledges, but slower than training produces telemetry.
                            LOG.warn("{} while Kafka acknowledges more slowly than training produces telemetry; journaling to {}",
                                    why, journal.file());
                        } else {
                            // Kafka does not answer: one warning says so once that has lasted the start budget.
                            LOG.info("{}; journaling to {}", why, journal.file());
                        }
                    }
                    spilled.incrementAndGet();
                    lock.notifyAll();
                } else {
                    fail(e.topic(), e.key(), new IllegalStateException("telemetry journal " + journal.file() + " is full ("
                            + config.journalMaxBytes() + " bytes)"));
                }
            } catch (IOException ex) {
                fail(e.topic(), e.key(), ex);
            }
        }
    }

    /** Creates this run's journal (folder 0700, file 0600) under a name no live process holds; false (logged once) when it cannot. */
    private boolean openJournal() {
        if (journalProblem != null) {
            return false;
        }
        try {
            Path dir = JournalFolder.prepare(journalDir);
            for (int n = 1; n <= 1000; n++) {
                Path f = dir.resolve(SpillJournal.fileName(config.runId(), n));
                if (JournalFolder.claimed(f) || Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    journal = SpillJournal.create(f, config.runId(), config.bootstrapServers(), config.journalMaxBytes());
                    if (n > 1) {
                        LOG.warn("Telemetry journal {} of run {} is held by another process or unreadable; this process journals "
                                + "to {}", dir.resolve(SpillJournal.fileName(config.runId(), 1)), config.runId(), f);
                    }
                    return true;
                } catch (java.nio.file.FileAlreadyExistsException | SpillJournal.InUseException raced) {
                    // Taken meanwhile: the next name.
                }
            }
            throw new IOException("no free journal name for run " + config.runId() + " in " + dir);
        } catch (IOException e) {
            journalProblem = new IOException("cannot create a telemetry journal in " + journalDir + ": " + e.getMessage(), e);
            LOG.error("{}; records Kafka does not take are dropped", journalProblem.getMessage());
            return false;
        }
    }

    /**
     * Hands one record to the producer. The producer reports a record it never accepted (no
     * metadata within {@code max.block.ms}, too large, ...) through the callback, synchronously,
     * inside {@code send}; such a record is returned here instead of being counted, so the caller
     * can journal it (retriable) or drop it. Null when the producer accepted the record; it is then
     * pending until acknowledged. {@code reserved}: its bytes are already counted in flight.
     */
    private RuntimeException trySend(SpillJournal.Entry e, long journalEnd, boolean reserved) {
        Thread caller = Thread.currentThread();
        boolean[] inSend = {true};
        RuntimeException[] refused = {null};
        int bytes = e.value().length;
        long seq;
        synchronized (lock) {
            seq = nextSeq++;
            unacked.put(seq, new Pending(e, journalEnd, isStep(e.topic(), e.value())));
            if (!reserved) {
                inFlight += bytes;
            }
        }
        try {
            producer.send(new ProducerRecord<>(e.topic(), e.key(), e.value()), (metadata, error) -> {
                if (error != null && inSend[0] && Thread.currentThread() == caller) {
                    refused[0] = error instanceof RuntimeException re ? re : new KafkaException(error);
                    return;
                }
                completed(seq, bytes, error);
            });
        } catch (RuntimeException ex) {
            refused[0] = ex;
        } finally {
            inSend[0] = false;
        }
        if (refused[0] != null) {
            synchronized (lock) {
                unacked.remove(seq);
                if (!reserved) {
                    inFlight -= bytes;
                }
                lock.notifyAll();
            }
        }
        return refused[0];
    }

    private void completed(long seq, int bytes, Exception error) {
        Pending p;
        synchronized (lock) {
            if (error != null && abandoning) {
                return; // stays pending: journaled at close
            }
            p = unacked.remove(seq);
            if (p == null) {
                return;
            }
            inFlight -= bytes;
            if (p.journalEnd() >= 0 && journal != null) {
                try {
                    journal.settled(p.journalEnd());
                } catch (IOException e) {
                    LOG.warn("Cannot update telemetry journal {}: {}", journal.file(), e.toString());
                }
            }
            if (error == null) {
                reachable();
            }
            lock.notifyAll();
        }
        if (error == null) {
            acknowledged.incrementAndGet();
            if (p.journalEnd() >= 0) {
                resent.incrementAndGet();
            }
            if (p.step()) {
                stepsAcknowledged.incrementAndGet();
            }
        } else {
            fail(p.entry().topic(), p.entry().key(), error);
        }
    }

    private void work() {
        try {
            try {
                start();
            } finally {
                synchronized (lock) {
                    started = true;
                    startDone = true;
                    lock.notifyAll();
                }
            }
            drain();
        } catch (RuntimeException e) {
            LOG.error("Canyon telemetry's journal thread stopped: {}", e.toString(), e);
        }
    }

    /** Waits once, at most the start budget, for the metadata of {@link #START_TOPICS}; then takes up leftovers. */
    private void start() {
        long deadline = System.nanoTime() + config.startBudget().toNanos();
        Exception problem = null;
        String topic = null;
        if (!config.startBudget().isZero()) {
            outer:
            for (String t : START_TOPICS) {
                while (true) {
                    if (closing) {
                        break outer;
                    }
                    try {
                        producer.partitionsFor(t);
                        break;
                    } catch (KafkaException e) {
                        if (!(e instanceof RetriableException) || System.nanoTime() - deadline >= 0) {
                            problem = e;
                            topic = t;
                            break outer;
                        }
                    }
                }
            }
        }
        synchronized (lock) {
            started = true;
            lock.notifyAll();
        }
        if (closing) {
            return;
        }
        if (problem != null) {
            synchronized (lock) {
                unreachable("did not give the metadata of topic " + topic + " within the start budget ("
                        + DeliveryReport.seconds(config.startBudget()) + "): " + problem);
            }
            return;
        }
        startLeftovers();
    }

    /** Starts re-sending, in the background, the journals earlier processes left for this cluster. */
    private void startLeftovers() {
        List<Path> files = new ArrayList<>();
        int otherClusters = 0;
        try {
            List<Object[]> found = new ArrayList<>();
            for (Path f : Journals.files(journalDir)) {
                if (JournalFolder.claimed(f)) {
                    continue;
                }
                try {
                    SpillJournal.Header h = SpillJournal.header(f);
                    if (h.runId().equals(config.runId())) {
                        continue;
                    }
                    if (!h.bootstrapServers().equals(config.bootstrapServers())) {
                        otherClusters++;
                        continue;
                    }
                    found.add(new Object[] {f, h.createdMs()});
                } catch (IOException e) {
                    LOG.debug("Skipping {}: {}", f, e.getMessage());
                }
            }
            found.sort(Comparator.comparingLong((Object[] o) -> (Long) o[1]).thenComparing(o -> o[0].toString()));
            found.forEach(o -> files.add((Path) o[0]));
        } catch (IOException e) {
            LOG.warn("Cannot list telemetry journals in {}: {}", journalDir, e.toString());
            return;
        }
        if (otherClusters > 0) {
            LOG.info("{} telemetry journals in {} were written for other Kafka clusters; `canyon resend --journal-dir {} "
                    + "--bootstrap-servers ...` re-sends them", otherClusters, journalDir, journalDir);
        }
        if (files.isEmpty()) {
            return;
        }
        LOG.info("Re-sending {} telemetry journals left in {} by earlier processes to Kafka at {}", files.size(), journalDir,
                config.bootstrapServers());
        JournalResender r = new JournalResender(Journals.resendProperties(config, "canyon-trainer-" + config.runId() + "-resend"),
                Math.max(1, budgetBytes / 2));
        Thread t = new Thread(() -> {
            List<JournalResender.Outcome> outcomes = r.run(files, System.nanoTime() + (Long.MAX_VALUE >> 2));
            for (JournalResender.Outcome o : outcomes) {
                if (o.delivered()) {
                    LOG.info("Re-sent journal {} of run {}: {} records", o.file(), o.runId(), o.records());
                } else {
                    LOG.warn("Journal {} of run {}: {} records re-sent, {} remain ({})", o.file(), o.runId(), o.records(),
                            o.remaining(), o.problem());
                }
            }
        }, "canyon-telemetry-resend-" + config.runId());
        t.setDaemon(true);
        synchronized (lock) {
            if (closing) {
                return;
            }
            leftovers = r;
            leftoverThread = t;
        }
        t.start();
    }

    /** Sends what waits in memory, then the journal, in order, as the in-flight bound allows. */
    private void drain() {
        long backoff = 50;
        while (true) {
            SpillJournal.Entry next;
            SpillJournal.Read read = null;
            synchronized (lock) {
                try {
                    while (!closing && queue.isEmpty() && (journal == null || !journal.hasUnread())) {
                        lock.wait();
                    }
                    if (closing) {
                        return;
                    }
                    if (!queue.isEmpty()) {
                        next = queue.peekFirst();
                    } else {
                        read = journal.peek();
                        while (!closing && inFlight > 0 && inFlight + read.entry().value().length > budgetBytes) {
                            watchReachability();
                            lock.wait(200);
                        }
                        if (closing) {
                            return;
                        }
                        journal.advance(read);
                        next = read.entry();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    LOG.error("Cannot read telemetry journal {}: {}", journal.file(), e.toString());
                    return;
                }
            }
            boolean fromQueue = read == null;
            RuntimeException refused = trySend(next, fromQueue ? -1 : read.end(), fromQueue);
            synchronized (lock) {
                if (refused == null || !(refused instanceof RetriableException)) {
                    if (fromQueue) {
                        queue.pollFirst();
                    }
                    if (refused != null) {
                        if (fromQueue) {
                            inFlight -= next.value().length;
                        } else {
                            try {
                                journal.settled(read.end());
                            } catch (IOException e) {
                                LOG.warn("Cannot update telemetry journal {}: {}", journal.file(), e.toString());
                            }
                        }
                        fail(next.topic(), next.key(), refused);
                    }
                    backoff = 50;
                    continue;
                }
                if (!fromQueue) {
                    journal.retreat(read);
                }
                try {
                    if (!closing) {
                        watchReachability();
                        lock.wait(backoff);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
            backoff = Math.min(backoff * 2, 2000);
        }
    }

    /** How long records may wait without an acknowledgement before Kafka is reported unreachable: the start budget (10 s if 0). */
    private long unreachableAfterNanos() {
        return config.startBudget().isZero() ? 10_000_000_000L : config.startBudget().toNanos();
    }

    /** Under lock: reports Kafka unreachable once records have waited the start budget without an acknowledgement. */
    private void watchReachability() {
        long now = System.nanoTime();
        boolean waiting = !unacked.isEmpty() || !queue.isEmpty() || (journal != null && journal.hasUnread());
        if (!waiting) {
            lastProgressNanos = now;
            return;
        }
        if (!unreachable && startDone && now - lastProgressNanos >= unreachableAfterNanos()) {
            unreachable("acknowledged no telemetry for " + DeliveryReport.seconds(Duration.ofNanos(now - lastProgressNanos))
                    + " while records wait");
        }
    }

    /** Under lock: the one warning of an outage. */
    private void unreachable(String why) {
        if (unreachable) {
            return;
        }
        unreachable = true;
        unreachableSinceNanos = lastProgressNanos;
        LOG.warn("Kafka at {} is unreachable (it {}). Training goes on; its telemetry waits in memory (up to {} bytes), then in "
                + "the journal folder {}, and is sent in order when Kafka answers again (a line will say so). The Kafka "
                + "client retries every 1 to 10 s and logs why it cannot connect.", config.bootstrapServers(), why, budgetBytes,
                journalDir);
    }

    /** Under lock: an acknowledgement; after an outage, the one line that says Kafka is back. */
    private void reachable() {
        long now = System.nanoTime();
        lastProgressNanos = now;
        lastAckNanos = now;
        if (unreachable) {
            unreachable = false;
            // At the level of the warning it ends, so that whoever saw one sees the other.
            LOG.warn("Kafka at {} answers again after {} unreachable; the telemetry that waited ({} records) is being sent, "
                    + "in order", config.bootstrapServers(), DeliveryReport.seconds(Duration.ofNanos(now - unreachableSinceNanos)),
                    unacked.size() + queue.size() + (journal == null ? 0 : journal.unread()));
        }
    }

    private void fail(String topic, String runId, Exception error) {
        long n = failed.incrementAndGet();
        firstFailure.compareAndSet(null, error);
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.error("Telemetry record for run {} on topic {} was not delivered ({} dropped so far): {}", runId, topic, n,
                    String.valueOf(error));
        }
    }

    /** Waits up to {@code timeout} until every record so far is acknowledged or dropped; true if so. */
    @Override
    public boolean flush(Duration timeout) {
        return flushUntil(System.nanoTime() + timeout.toNanos());
    }

    private boolean flushUntil(long deadline) {
        synchronized (lock) {
            while (inFlight > 0 || (journal != null && journal.hasUnread())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    watchReachability();
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
                return finished;
            }
            long journaled = journal == null ? 0 : journal.unread();
            return report(inFlight == 0 && journaled == 0, journaled, Duration.ZERO);
        }
    }

    private DeliveryReport report(boolean settled, long journaled, Duration waited) {
        JournalResender r = leftovers;
        return new DeliveryReport(attempted.get(), acknowledged.get(), stepsAcknowledged.get(), spilled.get(), resent.get(),
                failed.get(), settled, journaled, journalFile(), waited, firstFailure.get(), r == null ? 0 : r.acknowledged());
    }

    /**
     * Delivers what is pending, waiting at most {@link TelemetryConfig#closeTimeout()} (and lets the
     * re-sending of leftover journals use the same time); then closes the producer and leaves every
     * record Kafka did not acknowledge in the journal, in order, forced to disk. Never throws; logs
     * one warning when records were left or dropped. Later calls return the same report.
     */
    @Override
    public synchronized DeliveryReport finish() {
        if (finished != null) {
            return finished;
        }
        long t0 = System.nanoTime();
        long deadline = t0 + config.closeTimeout().toNanos();
        synchronized (lock) {
            // The start (metadata, then taking up leftovers) decides what there is to wait for.
            while (!startDone && System.nanoTime() - deadline < 0) {
                try {
                    lock.wait(Math.max(1, Math.min((deadline - System.nanoTime()) / 1_000_000, 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        boolean drained = flushUntil(deadline);
        Thread resendThread;
        synchronized (lock) {
            resendThread = leftoverThread;
        }
        join(resendThread, deadline);
        closing = true;
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        join(worker, System.nanoTime() + config.stepBudget().toNanos() + 2_000_000_000L);
        synchronized (lock) {
            resendThread = leftoverThread;
            if (leftovers != null) {
                leftovers.stop();
            }
        }
        join(resendThread, System.nanoTime() + 10_000_000_000L);
        synchronized (lock) {
            abandoning = true;
        }
        producer.close(drained ? Duration.ofSeconds(5) : Duration.ZERO);
        long left = 0;
        synchronized (lock) {
            List<SpillJournal.Entry> prefix = new ArrayList<>();
            unacked.values().forEach(p -> prefix.add(p.entry()));
            prefix.addAll(queue);
            if (!prefix.isEmpty() && journal == null) {
                openJournal();
            }
            if (journal != null) {
                try {
                    left = journal.close(prefix);
                } catch (IOException e) {
                    LOG.error("Cannot write telemetry journal {}: {}", journal.file(), e.toString());
                    for (SpillJournal.Entry en : prefix) {
                        fail(en.topic(), en.key(), e);
                    }
                    left = journal.unread();
                }
            } else {
                for (SpillJournal.Entry en : prefix) {
                    fail(en.topic(), en.key(), journalProblem);
                }
            }
            unacked.clear();
            queue.clear();
            inFlight = 0;
            finished = report(drained && left == 0, left, Duration.ofNanos(System.nanoTime() - t0));
        }
        if (left > 0) {
            LOG.warn("Telemetry of run {}: {} records did not reach Kafka at {} within the close budget ({}) and wait in {}; "
                    + "they are re-sent, in order, by the next Canyon listener started with journal folder {} and the same "
                    + "bootstrap servers, or by `canyon resend --journal-dir {} --bootstrap-servers {}` ({} of {} records of this "
                    + "process delivered, {} dropped)", config.runId(), left, config.bootstrapServers(),
                    DeliveryReport.seconds(config.closeTimeout()), finished.journal(), journalDir, journalDir, config.bootstrapServers(),
                    finished.acknowledged(), finished.attempted(), finished.dropped());
        } else if (finished.dropped() > 0) {
            LOG.warn("Telemetry of run {}: {}", config.runId(), finished.summary());
        }
        return finished;
    }

    /** {@link #finish()}; then, with {@link TelemetryConfig#strictDelivery()}, throws {@link TelemetryException} unless everything was delivered. */
    @Override
    public void close() {
        DeliveryReport r = finish();
        if (config.strictDelivery()) {
            r.requireDelivered();
        }
    }

    private static void join(Thread t, long deadline) {
        if (t == null) {
            return;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            return;
        }
        try {
            t.join(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code frame} on {@code topic} is a step record (its frame's kind byte); probes share the step topic. */
    static boolean isStep(String topic, byte[] frame) {
        return Topics.STEPS.equals(topic) && frame.length > 3 && frame[3] == dev.canyon.contract.RecordKind.STEP.code();
    }

    /** Where records go while Kafka is away: this run's journal (created at the first record that needs it). */
    public Path journalFile() {
        SpillJournal j = journal;
        return j != null ? j.file() : journalDir.resolve(SpillJournal.fileName(config.runId(), 1));
    }
}
