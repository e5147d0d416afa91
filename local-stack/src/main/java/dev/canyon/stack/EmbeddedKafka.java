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
 * <p>{@link #startWithScram} starts one whose only client listener is SASL_PLAINTEXT with
 * SCRAM-SHA-256 (the controller listener stays PLAINTEXT on loopback): clients must log in as the
 * SCRAM user given, which is written into the metadata when the storage is formatted.
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
    private final ScramUser scramUser;
    private final ScramUser brokerUser;
    private KafkaRaftServer server;

    /** A SCRAM-SHA-256 user: name and password. */
    public record ScramUser(String name, String password) {
        public ScramUser {
            for (String v : new String[] {name, password}) {
                if (v == null || v.isEmpty() || !v.matches("[A-Za-z0-9._-]+")) {
                    throw new IllegalArgumentException("SCRAM user names and passwords here are letters, digits, '.', '_' or '-'");
                }
            }
        }

        @Override
        public String toString() {
            return "ScramUser[" + name + "]";
        }
    }

    private EmbeddedKafka(Path logDir, int brokerPort, Properties extraConfig, ScramUser scramUser) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.controllerPort = FreePort.pick();
        this.extraConfig = extraConfig;
        this.scramUser = scramUser;
        this.brokerUser = scramUser == null ? null
                : new ScramUser("canyon-broker", java.util.UUID.randomUUID().toString().replace("-", ""));
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
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath(), port == 0 ? FreePort.pick() : port, extraConfig, null);
        kafka.startServer();
        return kafka;
    }

    /**
     * Starts a broker whose only client listener is SASL_PLAINTEXT with SCRAM-SHA-256, knowing
     * {@code user} (and a user of its own for the inter-broker listener). {@code logDir} must be new:
     * the users are written when the storage is formatted.
     */
    public static EmbeddedKafka startWithScram(Path logDir, ScramUser user) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            throw new IllegalArgumentException("SCRAM users are written at format time; " + logDir + " is already formatted");
        }
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath(), FreePort.pick(), new Properties(), user);
        kafka.startServer();
        return kafka;
    }

    /**
     * The client properties that reach this broker besides {@code bootstrap.servers}: none for a
     * plaintext broker; {@code security.protocol}, {@code sasl.mechanism} and {@code
     * sasl.jaas.config} (with the password) for a SCRAM one.
     */
    public java.util.Map<String, String> clientProperties() {
        return scramUser == null ? java.util.Map.of() : scramClientProperties(scramUser);
    }

    /** Client properties that log in as {@code user} with SCRAM-SHA-256 over SASL_PLAINTEXT. */
    public static java.util.Map<String, String> scramClientProperties(ScramUser user) {
        return java.util.Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", jaas(user));
    }

    private static String jaas(ScramUser user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user.name()
                + "\" password=\"" + user.password() + "\";";
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
        String listener = scramUser == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        Properties props = KraftNodeProperties.of(NODE_ID, NODE_ID + "@localhost:" + controllerPort, "localhost", brokerPort, controllerPort,
                listener, logDir, 1, 1);
        props.put("offsets.topic.num.partitions", "1");
        if (scramUser != null) {
            props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
            props.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256");
            props.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", jaas(brokerUser));
        }
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
                    .setScramArguments(scramUser == null ? java.util.List.of() : java.util.List.of(
                            scramArgument(brokerUser), scramArgument(scramUser)))
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka log directory " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private static String scramArgument(ScramUser user) {
        return "SCRAM-SHA-256=[name=" + user.name() + ",password=" + user.password() + "]";
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
