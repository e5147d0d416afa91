package dev.canyon.cli;

import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.ui.RunCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live view's model and optimizer of each run, from the run-started records on the runs topic:
 * a consumer without a group reads the topic from its beginning and then follows it, on a daemon
 * thread, until closed. A broker that is away is retried; the catalog keeps what it read.
 */
final class KafkaRunCatalog implements RunCatalog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRunCatalog.class);

    private final Map<String, RunInfo> runs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    KafkaRunCatalog(String bootstrapServers, Map<String, String> kafkaProperties) {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put("bootstrap.servers", bootstrapServers);
        p.put("enable.auto.commit", "false");
        p.put("allow.auto.create.topics", "false");
        p.put("client.id", "canyon-ui-runs");
        thread = new Thread(() -> follow(p), "canyon-ui-runs");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Map<String, RunInfo> runs() {
        return Map.copyOf(runs);
    }

    private void follow(Properties p) {
        while (!closed) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                List<TopicPartition> partitions = List.of();
                while (!closed && partitions.isEmpty()) {
                    partitions = c.partitionsFor(Topics.RUNS, Duration.ofSeconds(10)).stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                }
                c.assign(partitions);
                c.seekToBeginning(partitions);
                while (!closed) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        add(r.value());
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.debug("live view: reading {} failed ({}); again in 2 s", Topics.RUNS, e.toString());
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void add(byte[] value) {
        try {
            if (value != null && WireRecords.decode(value) instanceof WireRecords.DecodedRunStarted d) {
                RunStarted s = d.record();
                runs.put(s.getRunId(), new RunInfo(s.getRunId(), s.getExperimentId(), s.getEventTimeMs(), s.getModel(), s.getOptimizer(),
                        s.getDataset(), s.getParameterCount(), s.getBatchSize(), s.getLearningRate()));
            }
        } catch (RuntimeException e) {
            // not a run record: the job dead-letters it; nothing to show
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
