package dev.canyon.trainer.telemetry;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures inside the listener: counted, the first ten logged with their stack trace, never thrown
 * into training. Thread-safe.
 */
final class ListenerErrors {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryListener.class);
    private final AtomicLong count = new AtomicLong();

    /** Counts and (the first ten) logs a failure while doing {@code what}. */
    void report(String what, RuntimeException e) {
        if (count.incrementAndGet() <= 10) {
            LOG.error("Canyon telemetry failed while {} (training continues): {}", what, e.toString(), e);
        }
    }

    long count() {
        return count.get();
    }
}
