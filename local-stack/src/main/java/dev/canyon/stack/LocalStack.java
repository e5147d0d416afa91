package dev.canyon.stack;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-machine stack without Docker: an in-process KRaft broker with its log in {@code
 * <dataDir>/kafka} and influxd as a child process with its data in {@code <dataDir>/influxdb}.
 * Both persist between runs. The broker's topics are bounded on disk: each partition keeps at most
 * {@link #DEFAULT_MAX_PARTITION_BYTES} (or what {@code CANYON_STACK_PARTITION_MAX_BYTES} says) plus
 * its active segment; older records are deleted, so replays and reports of the oldest runs lose
 * what was deleted (see docs/operations.md). {@link #close()} stops both (the broker last, so that in-flight
 * telemetry can still be delivered); it is also installed as a JVM shutdown hook so Ctrl-C
 * shuts down cleanly.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Path dataDir;
    private final EmbeddedKafka kafka;
    private final InfluxdProcess influxd;
    private final Thread hook;
    private boolean closed;

    private LocalStack(Path dataDir, EmbeddedKafka kafka, InfluxdProcess influxd) {
        this.dataDir = dataDir;
        this.kafka = kafka;
        this.influxd = influxd;
        this.hook = new Thread(this::closeQuietly, "canyon-local-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Default bound of one partition of a topic of the stack's broker: 1 GiB (Canyon's topics have 2 partitions). */
    public static final long DEFAULT_MAX_PARTITION_BYTES = 1L << 30;
    /** Environment variable that sets the bound of one partition, in bytes. */
    public static final String MAX_PARTITION_BYTES_ENV = "CANYON_STACK_PARTITION_MAX_BYTES";

    /** Starts Kafka and InfluxDB with their data under {@code dataDir}, on free ports. */
    public static LocalStack start(Path dataDir) {
        return start(dataDir, 0, 0);
    }

    /**
     * Starts Kafka on {@code kafkaPort} and InfluxDB's HTTP API on {@code influxPort} (0: free ports),
     * with the partition bound of {@value #MAX_PARTITION_BYTES_ENV} or the default.
     */
    public static LocalStack start(Path dataDir, int kafkaPort, int influxPort) {
        String bound = System.getenv(MAX_PARTITION_BYTES_ENV);
        long max;
        try {
            max = bound == null || bound.isBlank() ? DEFAULT_MAX_PARTITION_BYTES : Long.parseLong(bound.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_PARTITION_BYTES_ENV + " must be a number of bytes, got '" + bound + "'");
        }
        return start(dataDir, kafkaPort, influxPort, max);
    }

    /**
     * Starts the stack with each partition of the broker's topics bounded to {@code maxPartitionBytes}
     * (at least 8 MiB): segments of an eighth of that (at least 1 MiB) roll, and every second the
     * broker deletes the oldest closed segments of a partition beyond the bound.
     */
    public static LocalStack start(Path dataDir, int kafkaPort, int influxPort, long maxPartitionBytes) {
        Path dir = dataDir.toAbsolutePath();
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort, bounded(maxPartitionBytes));
        try {
            InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influxdb"), influxPort);
            return new LocalStack(dir, kafka, influxd);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    /** Broker settings that bound every partition of a delete-policy topic to {@code maxPartitionBytes}. */
    static java.util.Properties bounded(long maxPartitionBytes) {
        if (maxPartitionBytes < (8L << 20)) {
            throw new IllegalArgumentException("the stack's partition bound must be at least 8 MiB, got " + maxPartitionBytes + " bytes");
        }
        java.util.Properties p = new java.util.Properties();
        p.put("log.retention.bytes", Long.toString(maxPartitionBytes));
        p.put("log.segment.bytes", Long.toString(Math.max(1L << 20, Math.min(Integer.MAX_VALUE, maxPartitionBytes / 8))));
        p.put("log.retention.check.interval.ms", "1000");
        // The retention check starts a second after the broker, not 30 s (the default): the bound holds from the start.
        p.put("log.initial.task.delay.ms", "1000");
        return p;
    }

    public Path dataDir() {
        return dataDir;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public InfluxdProcess influxd() {
        return influxd;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
        try {
            influxd.close();
        } finally {
            kafka.close();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("Local stack did not shut down cleanly: {}", e.toString());
        }
    }
}
