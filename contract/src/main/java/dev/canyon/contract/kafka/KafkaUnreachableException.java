package dev.canyon.contract.kafka;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Kafka did not answer at {@link #bootstrapServers()} within {@link #timeout()}: nothing listens
 * there, the address is wrong, or the cluster is too slow. The message names the address, the
 * timeout, the cause and the client property that raises the timeout; a command line adds how to
 * start Kafka or name another one.
 */
public final class KafkaUnreachableException extends IllegalStateException {
    private final String bootstrapServers;
    private final Duration timeout;

    /**
     * @param what what could not be done, e.g. "cannot create or check Canyon's topics"
     * @param bootstrapServers the address that did not answer
     * @param timeout how long it was given
     * @param timeoutProperty the client property that sets {@code timeout}
     * @param cause what the client reported (wrappers are unwrapped for the message)
     */
    public KafkaUnreachableException(String what, String bootstrapServers, Duration timeout, String timeoutProperty, Throwable cause) {
        super(what + " on " + bootstrapServers + ": Kafka did not answer within " + seconds(timeout) + " (" + describe(cause)
                + "); is a broker running there? A slow cluster may need more time: set the Kafka client property "
                + timeoutProperty + " (milliseconds)", cause);
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    /** The address that did not answer. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** How long it was given. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * A cause as one line, never "null": {@link ExecutionException} and {@link CompletionException}
     * wrappers are unwrapped, and an exception without a message is named by its class.
     */
    public static String describe(Throwable t) {
        Throwable e = t;
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e == null) {
            return "no cause given";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e instanceof java.util.concurrent.TimeoutException ? "no answer in time" : e.getClass().getSimpleName();
        }
        return m;
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
