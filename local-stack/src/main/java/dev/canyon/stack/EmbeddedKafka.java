package dev.canyon.stack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker in KRaft combined mode (broker and controller in one node), running
 * inside this JVM. Its log directory persists: start it again on the same directory and every
 * topic and record is still there. Ports are picked free at each start.
 *
 * <p>Kafka calls {@code Exit.exit}/{@code Exit.halt} on fatal errors; {@link #start} replaces
 * those procedures so that a broker failure surfaces as an exception and a log line instead of
 * ending the JVM that also runs training and analytics.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;

    private final Path logDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Properties extraConfig;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, int brokerPort, Properties extraConfig) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.controllerPort = FreePort.pick();
        this.extraConfig = extraConfig;
    }

    /** Starts a broker whose data lives in {@code logDir} (created and formatted if new). */
    public static EmbeddedKafka start(Path logDir) {
        return start(logDir, new Properties());
    }

    /** Starts a broker with extra broker configuration (overrides the defaults). */
    public static EmbeddedKafka start(Path logDir, Properties extraConfig) {
        return start(logDir, 0, extraConfig);
    }

    /** Starts a broker listening on {@code port} (0: a free one). */
    public static EmbeddedKafka start(Path logDir, int port, Properties extraConfig) {
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath(), port == 0 ? FreePort.pick() : port, extraConfig);
        kafka.startServer();
        return kafka;
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    /** Where the broker keeps its data. */
    public Path logDir() {
        return logDir;
    }

    /** Whether the broker is running. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the broker, keeping its data; {@link #restart} brings it back on the same port. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        LOG.info("Stopping embedded Kafka broker on {}", bootstrapServers());
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Starts a stopped broker again on the same port and data. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startServer() {
        guardJvmAgainstBrokerExit();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        props.put("listeners", "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // Telemetry records carry whole vectors: admit large records (topics raise it per topic too).
        props.put("message.max.bytes", Integer.toString(64 * 1024 * 1024 + 1024));
        props.put("replica.fetch.max.bytes", Integer.toString(64 * 1024 * 1024 + 1024));
        props.put("socket.request.max.bytes", Integer.toString(256 * 1024 * 1024));
        props.put("log.retention.hours", "-1");
        props.put("log.flush.interval.messages", "1000");
        props.putAll(extraConfig);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        format(config);
        LOG.info("Starting embedded Kafka broker on {} with data in {}", bootstrapServers(), logDir);
        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            s.shutdown();
            throw new IllegalStateException("embedded Kafka broker failed to start (data in " + logDir + "): " + e.getMessage(), e);
        }
        server = s;
    }

    private void format(KafkaConfig config) {
        try {
            Files.createDirectories(logDir);
            if (Files.exists(logDir.resolve("meta.properties"))) {
                return;
            }
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(java.util.List.of(logDir.toString()))
                    .setIgnoreFormatted(true)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka log directory " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes Kafka's fatal-error exits throw instead of ending the JVM. Installed once per JVM;
     * harmless when several brokers run.
     */
    public static void guardJvmAgainstBrokerExit() {
        Exit.setExitProcedure((code, message) -> {
            LOG.error("Kafka asked to exit the JVM with status {} ({}); refused", code, message);
            throw new IllegalStateException("Kafka broker asked to exit the JVM with status " + code + ": " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            LOG.error("Kafka asked to halt the JVM with status {} ({}); refused", code, message);
            throw new IllegalStateException("Kafka broker asked to halt the JVM with status " + code + ": " + message);
        });
    }
}
