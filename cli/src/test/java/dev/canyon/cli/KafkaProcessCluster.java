package dev.canyon.cli;

import dev.canyon.stack.FreePort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A KRaft Kafka cluster of combined broker+controller nodes (a static quorum of all of them), each
 * {@code kafka.Kafka} in a JVM of its own on free loopback ports, their storage formatted here with
 * one cluster id. Internal topics are replicated on every node with {@code min.insync.replicas}
 * one less, so that a node killed loses no acknowledged record.
 */
final class KafkaProcessCluster {
    private final List<ChildJvm> nodes = new ArrayList<>();
    private final List<Integer> brokerPorts = new ArrayList<>();

    KafkaProcessCluster(Path dir, int size, String classPath, List<String> jvmOptions) {
        String clusterId = Uuid.randomUuid().toString();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            brokerPorts.add(FreePort.pick());
            controllerPorts.add(FreePort.pick());
        }
        String voters = java.util.stream.IntStream.range(0, size).mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i))
                .collect(Collectors.joining(","));
        String replicas = Integer.toString(size);
        String minIsr = Integer.toString(Math.max(1, size - 1));
        for (int i = 0; i < size; i++) {
            int node = i + 1;
            Path logDir = dir.resolve("kafka-" + node);
            Properties p = dev.canyon.stack.KraftNodeProperties.of(node, voters, "127.0.0.1", brokerPorts.get(i), controllerPorts.get(i),
                    "PLAINTEXT", logDir, size, Math.max(1, size - 1));
            p.put("default.replication.factor", replicas);
            p.put("min.insync.replicas", minIsr);
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("unclean.leader.election.enable", "false");
            // Fast failure detection for the test: a dead node is fenced (and leaves the ISR) within seconds.
            p.put("broker.heartbeat.interval.ms", "500");
            p.put("broker.session.timeout.ms", "3000");
            p.put("replica.lag.time.max.ms", "5000");
            p.put("controller.quorum.election.timeout.ms", "1000");
            p.put("controller.quorum.fetch.timeout.ms", "2000");
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "2");
            p.put("num.recovery.threads.per.data.dir", "1");
            p.put("background.threads", "2");
            Path config = dir.resolve("kafka-" + node + ".properties");
            try {
                Files.createDirectories(logDir);
                try (OutputStream out = Files.newOutputStream(config)) {
                    p.store(out, "node " + node);
                }
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(node)
                        .setClusterId(clusterId)
                        .setControllerListenerName("CONTROLLER")
                        .setMetadataLogDirectory(logDir.toString())
                        .setDirectories(List.of(logDir.toString()))
                        .run();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare Kafka node " + node, e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot format Kafka node " + node + ": " + e.getMessage(), e);
            }
            nodes.add(new ChildJvm("kafka-" + node, dir, classPath, jvmOptions, "kafka.Kafka", List.of(config.toString()), Map.of()));
        }
    }

    void start() {
        nodes.forEach(ChildJvm::start);
    }

    List<ChildJvm> nodes() {
        return nodes;
    }

    String bootstrapServers() {
        return brokerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** Waits until every node listens and the cluster has them all as brokers. */
    void awaitUp(long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (int i = 0; i < nodes.size(); i++) {
            while (!listens(brokerPorts.get(i))) {
                if (!nodes.get(i).isAlive()) {
                    throw new IllegalStateException(nodes.get(i).name() + " exited during start-up:\n" + nodes.get(i).tail(40));
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(nodes.get(i).name() + " did not listen within " + timeoutMs + " ms:\n"
                            + nodes.get(i).tail(40));
                }
                Thread.sleep(100);
            }
        }
        try (Admin admin = admin()) {
            while (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() < nodes.size()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Kafka cluster did not register " + nodes.size() + " brokers within " + timeoutMs + " ms");
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Canyon's topics made by the product ({@code TopicSetup.ensure}), then checked: on this cluster
     * of 3 brokers every partition has 3 replicas and {@code min.insync.replicas} is 2.
     */
    void createCanyonTopics() throws Exception {
        dev.canyon.contract.kafka.TopicSetup.ensure(bootstrapServers());
        try (Admin admin = admin()) {
            List<String> topics = dev.canyon.contract.kafka.TopicSetup.TOPICS;
            var descriptions = admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
            var configs = admin.describeConfigs(topics.stream()
                    .map(t -> new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t))
                    .toList()).all().get(60, TimeUnit.SECONDS);
            for (String t : topics) {
                descriptions.get(t).partitions().forEach(partition -> {
                    if (partition.replicas().size() != Math.min(3, nodes.size())) {
                        throw new AssertionError(t + " partition " + partition.partition() + " has " + partition.replicas().size()
                                + " replicas on " + nodes.size() + " brokers");
                    }
                });
                String minIsr = configs.get(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t)).get("min.insync.replicas").value();
                if (!minIsr.equals(Integer.toString(Math.min(2, nodes.size())))) {
                    throw new AssertionError(t + " has min.insync.replicas " + minIsr);
                }
            }
        }
    }

    Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        return Admin.create(p);
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
