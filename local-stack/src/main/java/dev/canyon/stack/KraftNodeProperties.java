package dev.canyon.stack;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The configuration of one combined KRaft node (broker and controller in one process) as Canyon runs
 * it, whether in this JVM ({@link EmbeddedKafka}) or as a process of a test cluster: listeners, the
 * quorum, replication of the internal topics, no topic auto-creation, records as large as whole
 * telemetry vectors, and no retention limit (recorded topics are what replay and reports read).
 */
public final class KraftNodeProperties {
    /** Largest record a broker accepts: whole vectors of 16M float32 values, plus headers. */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024 + 1024;

    private KraftNodeProperties() {}

    /**
     * @param nodeId this node's id
     * @param voters the quorum, "id@host:port,..."
     * @param host the address both listeners bind and advertise
     * @param listener the client listener's name and protocol: PLAINTEXT or SASL_PLAINTEXT (the
     *     controller listener is PLAINTEXT)
     * @param replicas replicas of the internal topics (offsets, transactions, share state) and of new topics
     * @param minIsr their min.insync.replicas
     */
    public static Properties of(int nodeId, String voters, String host, int brokerPort, int controllerPort, String listener, Path logDir,
            int replicas, int minIsr) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", listener + "://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", listener + "://" + host + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", listener);
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        String r = Integer.toString(replicas);
        String isr = Integer.toString(minIsr);
        p.put("offsets.topic.replication.factor", r);
        p.put("transaction.state.log.replication.factor", r);
        p.put("transaction.state.log.min.isr", isr);
        p.put("share.coordinator.state.topic.replication.factor", r);
        p.put("share.coordinator.state.topic.min.isr", isr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // Telemetry records carry whole vectors: admit large records (topics raise it per topic too).
        p.put("message.max.bytes", Integer.toString(MAX_RECORD_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(MAX_RECORD_BYTES));
        p.put("socket.request.max.bytes", Integer.toString(256 * 1024 * 1024));
        p.put("log.retention.hours", "-1");
        return p;
    }
}
