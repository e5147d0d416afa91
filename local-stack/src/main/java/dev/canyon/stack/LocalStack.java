package dev.canyon.stack;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-machine stack without Docker: an in-process KRaft broker with its log in {@code
 * <dataDir>/kafka} and influxd as a child process with its data in {@code <dataDir>/influxdb}.
 * Both persist between runs. {@link #close()} stops both (the broker last, so that in-flight
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

    /** Starts Kafka and InfluxDB with their data under {@code dataDir}, on free ports. */
    public static LocalStack start(Path dataDir) {
        return start(dataDir, 0, 0);
    }

    /** Starts Kafka on {@code kafkaPort} and InfluxDB's HTTP API on {@code influxPort} (0: free ports). */
    public static LocalStack start(Path dataDir, int kafkaPort, int influxPort) {
        Path dir = dataDir.toAbsolutePath();
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort, new java.util.Properties());
        try {
            InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influxdb"), influxPort);
            return new LocalStack(dir, kafka, influxd);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
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
