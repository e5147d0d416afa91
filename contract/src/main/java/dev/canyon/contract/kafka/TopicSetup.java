package dev.canyon.contract.kafka;

import dev.canyon.contract.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Creates Canyon's topics when missing, with {@code max.message.bytes} raised to {@link
 * Topics#MAX_RECORD_BYTES} so that FULL-vector steps fit; on existing topics it raises that limit.
 */
public final class TopicSetup {
    /** Default partitions per topic for a new topic. */
    public static final int DEFAULT_PARTITIONS = 2;

    private TopicSetup() {}

    /** Ensures the step, run, probe, snapshot, alert and dead-letter topics exist with the record size Canyon needs. */
    public static void ensure(Properties adminProperties, int partitions, short replication) {
        try (Admin admin = Admin.create(adminProperties)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Map<String, String> configs = Map.of("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
            List<NewTopic> create = new ArrayList<>();
            Map<ConfigResource, java.util.Collection<AlterConfigOp>> alter = new HashMap<>();
            for (String t : List.of(Topics.STEPS, Topics.RUNS, Topics.SNAPSHOTS, Topics.ALERTS, Topics.DEAD_LETTER)) {
                if (existing.contains(t)) {
                    alter.put(new ConfigResource(ConfigResource.Type.TOPIC, t), List.of(new AlterConfigOp(
                            new ConfigEntry("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES)),
                            AlterConfigOp.OpType.SET)));
                } else {
                    create.add(new NewTopic(t, partitions, replication).configs(configs));
                }
            }
            if (!create.isEmpty()) {
                try {
                    admin.createTopics(create).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!alter.isEmpty()) {
                admin.incrementalAlterConfigs(alter).all().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Canyon topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Canyon topics on " + adminProperties.get("bootstrap.servers")
                    + ": " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
    }

    /** {@link #ensure(Properties, int, short)} on a single-broker cluster. */
    public static void ensure(String bootstrapServers) {
        ensure(bootstrapServers, Map.of());
    }

    /**
     * {@link #ensure(Properties, int, short)} with {@value #DEFAULT_PARTITIONS} partitions and
     * replication 1, connecting with {@code clientProperties} (security settings, ...).
     */
    public static void ensure(String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put("bootstrap.servers", bootstrapServers);
        ensure(p, DEFAULT_PARTITIONS, (short) 1);
    }
}
