package dev.canyon.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.Topics;
import dev.canyon.contract.kafka.TopicSetup;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TopicSetup} on the in-JVM broker: what it creates, and that it never changes an existing topic. */
@Tag("real")
class TopicSetupTest {

    @TempDir
    Path dir;

    @Test
    void createsMissingTopicsWithReplicationAndMinInsyncFromTheClusterSize() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            Map<String, TopicDescription> topics = admin.describeTopics(TopicSetup.TOPICS).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(TopicSetup.TOPICS);
            for (TopicDescription t : topics.values()) {
                assertThat(t.partitions()).hasSize(TopicSetup.DEFAULT_PARTITIONS);
                // One broker: replication min(3, 1) = 1, min.insync.replicas min(2, 1) = 1.
                assertThat(t.partitions().get(0).replicas()).as(t.name()).hasSize(1);
            }
            for (Map.Entry<String, Map<String, ConfigEntry>> e : topicOverrides(admin, TopicSetup.TOPICS).entrySet()) {
                assertThat(e.getValue().get("max.message.bytes").value()).as(e.getKey()).isEqualTo(Integer.toString(Topics.MAX_RECORD_BYTES));
                assertThat(e.getValue().get("min.insync.replicas").value()).as(e.getKey()).isEqualTo("1");
            }
            // A second start finds them all and changes nothing.
            Map<String, Map<String, String>> before = overrideValues(admin, TopicSetup.TOPICS);
            TopicSetup.ensure(kafka.bootstrapServers());
            assertThat(overrideValues(admin, TopicSetup.TOPICS)).isEqualTo(before);
        }
    }

    @Test
    void replicationFollowsTheNumberOfBrokers() {
        assertThat(TopicSetup.replicationFor(1)).isEqualTo((short) 1);
        assertThat(TopicSetup.replicationFor(2)).isEqualTo((short) 2);
        assertThat(TopicSetup.replicationFor(3)).isEqualTo((short) 3);
        assertThat(TopicSetup.replicationFor(7)).isEqualTo((short) 3);
        assertThat(TopicSetup.minInsyncReplicasFor(1)).isEqualTo(1);
        assertThat(TopicSetup.minInsyncReplicasFor(2)).isEqualTo(2);
        assertThat(TopicSetup.minInsyncReplicasFor(3)).isEqualTo(2);
    }

    @Test
    void existingTopicsAreLeftAloneAndATooSmallRecordLimitIsReportedNotAltered() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // Created by an operator: steps with its own settings and the record limit Canyon needs, runs with
            // Kafka's default 1 MiB limit.
            admin.createTopics(List.of(
                    new NewTopic(Topics.STEPS, 1, (short) 1).configs(Map.of("retention.ms", "3600000",
                            "max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES))),
                    new NewTopic(Topics.RUNS, 1, (short) 1).configs(Map.of("max.message.bytes", "1048588"))))
                    .all().get(30, TimeUnit.SECONDS);
            Map<String, Map<String, String>> before = overrideValues(admin, List.of(Topics.STEPS, Topics.RUNS));

            assertThatThrownBy(() -> TopicSetup.ensure(kafka.bootstrapServers()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("topic " + Topics.RUNS + " has max.message.bytes 1048588")
                    .hasMessageContaining("needs at least " + Topics.MAX_RECORD_BYTES)
                    .hasMessageContaining("kafka-configs.sh --bootstrap-server " + kafka.bootstrapServers())
                    .hasMessageContaining("--alter --entity-type topics --entity-name " + Topics.RUNS
                            + " --add-config max.message.bytes=" + Topics.MAX_RECORD_BYTES)
                    .message().doesNotContain("topic " + Topics.STEPS + " has");

            // Nothing altered: the existing topics' settings are as the operator left them (no min.insync.replicas
            // added, the record limit not raised); the missing topics were created.
            assertThat(overrideValues(admin, List.of(Topics.STEPS, Topics.RUNS))).isEqualTo(before);
            assertThat(before.get(Topics.STEPS)).doesNotContainKey("min.insync.replicas").containsEntry("retention.ms", "3600000");
            assertThat(admin.describeTopics(List.of(Topics.STEPS)).allTopicNames().get().get(Topics.STEPS).partitions()).hasSize(1);
            assertThat(admin.listTopics().names().get()).containsAll(TopicSetup.TOPICS);

            // Raised as the message says, the next start goes through.
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.RUNS), List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry("max.message.bytes",
                            Integer.toString(Topics.MAX_RECORD_BYTES)), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            // The change reaches the broker's metadata asynchronously: wait until describeConfigs shows it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Integer.toString(Topics.MAX_RECORD_BYTES).equals(
                    overrideValues(admin, List.of(Topics.RUNS)).get(Topics.RUNS).get("max.message.bytes"))) {
                assertThat(System.nanoTime()).as("altered max.message.bytes visible").isLessThan(deadline);
                Thread.sleep(100);
            }
            TopicSetup.ensure(kafka.bootstrapServers());
        }
    }

    /** Settings set on each topic itself (not inherited from the broker). */
    private static Map<String, Map<String, ConfigEntry>> topicOverrides(Admin admin, List<String> topics) throws Exception {
        Map<String, Map<String, ConfigEntry>> out = new HashMap<>();
        Map<ConfigResource, Config> configs = admin.describeConfigs(topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get(30, TimeUnit.SECONDS);
        configs.forEach((r, c) -> {
            Map<String, ConfigEntry> m = new HashMap<>();
            c.entries().stream().filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG).forEach(e -> m.put(e.name(), e));
            out.put(r.name(), m);
        });
        return out;
    }

    private static Map<String, Map<String, String>> overrideValues(Admin admin, List<String> topics) throws Exception {
        Map<String, Map<String, String>> out = new HashMap<>();
        topicOverrides(admin, topics).forEach((t, m) -> {
            Map<String, String> v = new HashMap<>();
            m.forEach((k, e) -> v.put(k, e.value()));
            out.put(t, v);
        });
        return out;
    }
}
