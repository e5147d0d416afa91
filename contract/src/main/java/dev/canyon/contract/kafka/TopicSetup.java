package dev.canyon.contract.kafka;

import dev.canyon.contract.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Creates Canyon's topics when missing and checks the ones that exist.
 *
 * <p>A missing topic is created with replication factor min(3, brokers in the cluster), {@code
 * min.insync.replicas} min(2, replication factor) (with the producers' {@code acks=all}, a record
 * acknowledged on 3 brokers survives the loss of one), and {@code max.message.bytes} {@link
 * Topics#MAX_RECORD_BYTES} so that FULL-vector steps fit.
 *
 * <p>An existing topic is left as it is: its settings are only read (which needs DESCRIBE_CONFIGS,
 * not ALTER_CONFIGS). When it admits smaller records than Canyon needs, {@link #ensure} fails with
 * a message naming the topic, the current and needed values and the {@code kafka-configs.sh}
 * command that raises it.
 *
 * <p>A cluster that does not answer fails fast: the first call (the topic list) waits at most
 * {@link #CONNECT_TIMEOUT} (5 s), or the client properties' {@code default.api.timeout.ms} when they
 * set it, and then throws {@link KafkaUnreachableException} naming the address, the timeout and the
 * cause. Once Kafka has answered, creating and checking the topics may take up to 30 s per call.
 */
public final class TopicSetup {
    /** Default partitions per topic for a new topic. */
    public static final int DEFAULT_PARTITIONS = 2;

    /** Replication factor of a new topic when the cluster has at least as many brokers. */
    public static final int MAX_REPLICATION = 3;

    /** {@code min.insync.replicas} of a new topic when its replication factor allows it. */
    public static final int MIN_INSYNC_REPLICAS = 2;

    /** The topics Canyon writes and reads. */
    public static final List<String> TOPICS = List.of(Topics.STEPS, Topics.RUNS, Topics.SNAPSHOTS, Topics.ALERTS, Topics.DEAD_LETTER);

    private static final long TIMEOUT_S = 30;

    /** How long {@link #ensure} waits for Kafka's first answer unless the client properties set {@code default.api.timeout.ms}. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private TopicSetup() {}

    /** Replication factor of a new topic on a cluster of {@code brokers}: min(3, brokers). */
    public static short replicationFor(int brokers) {
        return (short) Math.max(1, Math.min(MAX_REPLICATION, brokers));
    }

    /** {@code min.insync.replicas} of a new topic of replication factor {@code replication}: min(2, replication). */
    public static int minInsyncReplicasFor(int replication) {
        return Math.max(1, Math.min(MIN_INSYNC_REPLICAS, replication));
    }

    /**
     * Ensures the step, run, snapshot, alert and dead-letter topics exist with the settings Canyon
     * needs: creates the missing ones ({@code partitions} each; replication and {@code
     * min.insync.replicas} from the cluster's size), checks the existing ones without changing them.
     *
     * @throws KafkaUnreachableException when the cluster does not answer within {@link #CONNECT_TIMEOUT}
     *     (or the properties' {@code default.api.timeout.ms})
     * @throws IllegalStateException when a topic cannot be created, or an existing topic's {@code
     *     max.message.bytes} is below {@link Topics#MAX_RECORD_BYTES}
     */
    public static void ensure(Properties adminProperties, int partitions) {
        Object servers = adminProperties.get("bootstrap.servers");
        Duration connect = connectTimeout(adminProperties);
        Admin admin = Admin.create(adminProperties);
        try {
            Set<String> existing;
            try {
                existing = admin.listTopics(new ListTopicsOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, connect.toMillis())))
                        .names().get(connect.toMillis() + 2_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw unreachable(servers, connect, e);
                }
                throw e;
            } catch (TimeoutException e) {
                throw unreachable(servers, connect, e);
            }
            List<NewTopic> create = new ArrayList<>();
            List<String> check = new ArrayList<>();
            for (String t : TOPICS) {
                if (existing.contains(t)) {
                    check.add(t);
                }
            }
            if (check.size() < TOPICS.size()) {
                int brokers = admin.describeCluster().nodes().get(TIMEOUT_S, TimeUnit.SECONDS).size();
                short replication = replicationFor(brokers);
                Map<String, String> configs = Map.of(
                        "max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES),
                        "min.insync.replicas", Integer.toString(minInsyncReplicasFor(replication)));
                for (String t : TOPICS) {
                    if (!existing.contains(t)) {
                        create.add(new NewTopic(t, partitions, replication).configs(configs));
                    }
                }
                try {
                    admin.createTopics(create).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                    // Created meanwhile by another process: checked below like any existing topic.
                    for (NewTopic t : create) {
                        check.add(t.name());
                    }
                }
            }
            if (!check.isEmpty()) {
                checkExisting(admin, check, servers);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Canyon topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or check Canyon's topics on " + servers + ": "
                    + KafkaUnreachableException.describe(e), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create or check Canyon's topics on " + servers + ": Kafka answered, then "
                    + "did not answer a request within " + TIMEOUT_S + " s", e);
        } finally {
            // Bounded: close() would wait for calls still pending.
            admin.close(Duration.ofSeconds(5));
        }
    }

    private static KafkaUnreachableException unreachable(Object servers, Duration timeout, Exception cause) {
        return new KafkaUnreachableException("cannot create or check Canyon's topics", String.valueOf(servers), timeout,
                "default.api.timeout.ms", cause);
    }

    /**
     * How long a command waits for Kafka's first answer: {@link #CONNECT_TIMEOUT}, or {@code
     * default.api.timeout.ms} from the client properties {@code p} when they set it.
     */
    public static Duration connectTimeout(Properties p) {
        Object v = p.get("default.api.timeout.ms");
        if (v == null) {
            return CONNECT_TIMEOUT;
        }
        try {
            return Duration.ofMillis(Math.max(1, Long.parseLong(v.toString().trim())));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Kafka client property default.api.timeout.ms must be a number of milliseconds, got '"
                    + v + "'");
        }
    }

    private static void checkExisting(Admin admin, List<String> topics, Object servers)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        List<String> problems = new ArrayList<>();
        for (ConfigResource r : resources) {
            ConfigEntry e = configs.get(r) == null ? null : configs.get(r).get("max.message.bytes");
            long current = e == null || e.value() == null ? -1 : Long.parseLong(e.value());
            if (current < Topics.MAX_RECORD_BYTES) {
                problems.add("topic " + r.name() + " has max.message.bytes " + (current < 0 ? "unknown" : Long.toString(current))
                        + ", Canyon needs at least " + Topics.MAX_RECORD_BYTES + " (FULL-vector steps); raise it with: "
                        + "kafka-configs.sh --bootstrap-server " + servers + " --command-config <client config file> --alter "
                        + "--entity-type topics --entity-name " + r.name() + " --add-config max.message.bytes="
                        + Topics.MAX_RECORD_BYTES);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems) + " (Canyon does not change existing topics)");
        }
    }

    /** {@link #ensure(Properties, int)} with {@value #DEFAULT_PARTITIONS} partitions, without client properties. */
    public static void ensure(String bootstrapServers) {
        ensure(bootstrapServers, Map.of());
    }

    /**
     * {@link #ensure(Properties, int)} with {@value #DEFAULT_PARTITIONS} partitions, connecting with
     * {@code clientProperties} (security settings, ...).
     */
    public static void ensure(String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put("bootstrap.servers", bootstrapServers);
        ensure(p, DEFAULT_PARTITIONS);
    }
}
