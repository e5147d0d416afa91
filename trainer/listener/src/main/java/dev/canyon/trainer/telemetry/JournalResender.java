package dev.canyon.trainer.telemetry;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Re-sends journals left by earlier processes, one after the other, each in its order, through a
 * producer of its own: a journal is deleted only once Kafka acknowledged every record in it. When
 * it must stop first (time is up, {@link #stop}, or Kafka refused a record for good), the journal
 * keeps exactly the records not acknowledged, in order, and later journals of the same run are not
 * started, so a run's records never overtake each other. Records in flight are bounded by {@code
 * inFlightBytes}. Used by {@link KafkaTelemetrySink} at start (in the background) and by {@code
 * canyon resend} (through {@link Journals#resend}).
 */
final class JournalResender {
    /**
     * What became of one journal.
     *
     * @param file the journal
     * @param runId its run, or null when unreadable
     * @param bootstrapServers the Kafka cluster it was written for, or null when unreadable
     * @param records records re-sent and acknowledged
     * @param bytes their value bytes
     * @param remaining records still in the journal
     * @param corruptBytes bytes of an unreadable tail moved to {@code <file>.corrupt}
     * @param corruptFile where they went, or null
     * @param problem why records remain, or null when none do
     */
    record Outcome(Path file, String runId, String bootstrapServers, long records, long bytes, long remaining, long corruptBytes,
            Path corruptFile, String problem) {
        boolean delivered() {
            return problem == null && remaining == 0;
        }
    }

    private record Pending(SpillJournal.Entry entry, long end) {}

    private final Properties props;
    private final long inFlightBytes;
    private final Object lock = new Object();
    private final AtomicLong acknowledged = new AtomicLong();
    private volatile boolean stopped;
    private Producer<String, byte[]> producer;

    // One journal at a time; under lock.
    private SpillJournal journal;
    private final LinkedHashMap<Long, Pending> unacked = new LinkedHashMap<>();
    private final Set<Long> failedSeqs = new HashSet<>();
    private long inFlight;
    private long seq;
    private boolean aborting;
    private long records;
    private long bytes;
    private String refused;

    /** @param producerProperties the producer's properties ({@code max.block.ms} a second or so: it bounds a wait between checks) */
    JournalResender(Properties producerProperties, long inFlightBytes) {
        this.props = producerProperties;
        this.inFlightBytes = Math.max(1, inFlightBytes);
    }

    /** Records acknowledged so far, all journals together. */
    long acknowledged() {
        return acknowledged.get();
    }

    /** Asks {@link #run} to stop soon: the journal under way keeps what was not acknowledged; later ones are not started. */
    void stop() {
        stopped = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Re-sends {@code files} in order until done, stopped, or {@code deadlineNanos} ({@link System#nanoTime()}); one outcome per file. */
    List<Outcome> run(List<Path> files, long deadlineNanos) {
        List<Outcome> out = new ArrayList<>();
        Set<String> blocked = new HashSet<>();
        try {
            for (Path file : files) {
                String run = null;
                String cluster = null;
                try {
                    SpillJournal.Header h = SpillJournal.header(file);
                    run = h.runId();
                    cluster = h.bootstrapServers();
                } catch (NoSuchFileException e) {
                    continue; // re-sent meanwhile by another process
                } catch (IOException e) {
                    out.add(new Outcome(file, null, null, 0, 0, 0, 0, null, e.getMessage()));
                    continue;
                }
                if (stopped || System.nanoTime() - deadlineNanos >= 0) {
                    out.add(notStarted(file, run, cluster, stopped ? "not started: stopped" : "not started: out of time"));
                    continue;
                }
                if (blocked.contains(run)) {
                    out.add(notStarted(file, run, cluster, "not started: an earlier journal of run " + run + " was not fully re-sent"));
                    continue;
                }
                Outcome o = resend(file, run, cluster, deadlineNanos);
                if (o != null) {
                    out.add(o);
                    if (!o.delivered()) {
                        blocked.add(run);
                    }
                }
            }
        } finally {
            if (producer != null) {
                producer.close(Duration.ZERO);
                producer = null;
            }
        }
        return out;
    }

    private static Outcome notStarted(Path file, String run, String cluster, String why) {
        SpillJournal.Summary s = SpillJournal.inspect(file);
        return new Outcome(file, run, cluster, 0, 0, s.records(), 0, null, why);
    }

    private Outcome resend(Path file, String run, String cluster, long deadline) {
        SpillJournal j;
        try {
            j = SpillJournal.open(file, Long.MAX_VALUE);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return new Outcome(file, run, cluster, 0, 0, SpillJournal.inspect(file).records(), 0, null, e.getMessage());
        }
        synchronized (lock) {
            journal = j;
            unacked.clear();
            failedSeqs.clear();
            inFlight = 0;
            records = 0;
            bytes = 0;
            refused = null;
        }
        String problem = send(j, deadline);
        long remaining;
        synchronized (lock) {
            while (problem == null && unacked.size() > failedSeqs.size() && !stopped && System.nanoTime() - deadline < 0) {
                waitLock(deadline);
            }
            if (refused != null) {
                problem = refused;
            }
        }
        boolean complete;
        synchronized (lock) {
            complete = problem == null && unacked.isEmpty() && !j.hasUnread();
        }
        if (!complete) {
            if (problem == null) {
                problem = stopped ? "stopped before Kafka acknowledged every record" : "Kafka did not acknowledge every record in time";
            }
            // Freeze what is unacknowledged: no callback runs after the producer is closed.
            synchronized (lock) {
                aborting = true;
            }
            if (producer != null) {
                producer.close(Duration.ZERO);
                producer = null;
            }
        }
        try {
            synchronized (lock) {
                List<SpillJournal.Entry> prefix = new ArrayList<>();
                unacked.values().forEach(p -> prefix.add(p.entry()));
                remaining = j.close(prefix);
                aborting = false;
                journal = null;
                return new Outcome(file, run, cluster, records, bytes, remaining, j.corruptBytes(), j.corruptFile(), remaining == 0 ? null : problem);
            }
        } catch (IOException e) {
            return new Outcome(file, run, cluster, records, bytes, SpillJournal.inspect(file).records(), j.corruptBytes(),
                    j.corruptFile(), "cannot update the journal: " + e);
        }
    }

    /** Hands every record of {@code j} to the producer, in order; the reason it stopped early, or null. */
    private String send(SpillJournal j, long deadline) {
        long backoff = 50;
        while (true) {
            SpillJournal.Read r;
            long id;
            synchronized (lock) {
                if (refused != null) {
                    return refused;
                }
                if (stopped || System.nanoTime() - deadline >= 0) {
                    return null;
                }
                try {
                    r = j.peek();
                } catch (IOException e) {
                    return "cannot read the journal: " + e;
                }
                if (r == null) {
                    return null;
                }
                int size = r.entry().value().length;
                while (inFlight > 0 && inFlight + size > inFlightBytes && refused == null && !stopped
                        && System.nanoTime() - deadline < 0) {
                    waitLock(deadline);
                }
                if (refused != null || stopped || System.nanoTime() - deadline >= 0) {
                    continue;
                }
                j.advance(r);
                id = seq++;
                unacked.put(id, new Pending(r.entry(), r.end()));
                inFlight += size;
            }
            RuntimeException e = send(id, r.entry());
            if (e == null) {
                backoff = 50;
                continue;
            }
            synchronized (lock) {
                unacked.remove(id);
                inFlight -= r.entry().value().length;
                j.retreat(r);
            }
            if (!(e instanceof RetriableException)) {
                return "refused by Kafka: " + e;
            }
            synchronized (lock) {
                if (!stopped) {
                    try {
                        lock.wait(backoff);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return "interrupted";
                    }
                }
            }
            backoff = Math.min(2 * backoff, 1000);
        }
    }

    /** Hands one record to the producer; the refusal when it did not take it (reported synchronously), else null. */
    private RuntimeException send(long id, SpillJournal.Entry e) {
        if (producer == null) {
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        Thread caller = Thread.currentThread();
        boolean[] inSend = {true};
        RuntimeException[] refusedNow = {null};
        try {
            producer.send(new ProducerRecord<>(e.topic(), e.key(), e.value()), (metadata, error) -> {
                if (error != null && inSend[0] && Thread.currentThread() == caller) {
                    refusedNow[0] = error instanceof RuntimeException re ? re : new KafkaException(error);
                    return;
                }
                completed(id, error);
            });
        } catch (RuntimeException ex) {
            refusedNow[0] = ex;
        } finally {
            inSend[0] = false;
        }
        return refusedNow[0];
    }

    private void completed(long id, Exception error) {
        synchronized (lock) {
            Pending p = unacked.get(id);
            if (p == null || aborting) {
                return;
            }
            inFlight -= p.entry().value().length;
            if (error == null) {
                unacked.remove(id);
                records++;
                bytes += p.entry().value().length;
                acknowledged.incrementAndGet();
                try {
                    journal.settled(p.end());
                } catch (IOException e) {
                    refused = "cannot update the journal: " + e;
                }
            } else {
                // Kept: the journal holds it for a later attempt. Nothing more of this journal is sent.
                failedSeqs.add(id);
                if (refused == null) {
                    refused = "refused by Kafka: " + error;
                }
            }
            lock.notifyAll();
        }
    }

    private void waitLock(long deadline) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        try {
            lock.wait(Math.max(1, Math.min(left, 200)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }
}
