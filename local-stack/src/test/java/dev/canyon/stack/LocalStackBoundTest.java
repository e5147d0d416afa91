package dev.canyon.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's broker keeps each partition under its bound while full vectors stream in: 200 MB
 * of 400 KB records into a topic of two partitions bounded to 8 MiB each. Once a retention check has
 * run, a partition holds at most the bound plus one segment; while records stream in, also what
 * arrives before the check acts (measured here at up to about three seconds of arrivals, so three
 * seconds at the measured rate are allowed).
 */
@Tag("real")
class LocalStackBoundTest {
    private static final long BOUND = 8L << 20;

    @TempDir
    Path dir;

    @Test
    void topicsStayUnderTheirBoundWhileFullVectorsStream() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, LocalStack.bounded(BOUND))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("canyon.steps", 2, (short) 1)
                        .configs(Map.of("max.message.bytes", Integer.toString(64 << 20))))).all().get();
            }
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka.bootstrapServers());
            p.put("max.request.size", Integer.toString(8 << 20));
            byte[] vector = new byte[400_000];
            new java.util.Random(1).nextBytes(vector);
            long worst = 0;
            long started = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 500; i++) {
                    producer.send(new ProducerRecord<>("canyon.steps", ("run-" + (i % 4)).getBytes(), vector)).get();
                    if (i % 25 == 0) {
                        worst = Math.max(worst, largestPartition(kafka.logDir()));
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long perPartitionPerSecond = (long) (500.0 * vector.length / 2 / seconds);
            long slack = BOUND / 8 + 3 * perPartitionPerSecond;
            Thread.sleep(3_000);
            long settled = largestPartition(kafka.logDir());
            assertThat(worst).as("largest partition while streaming 200 MB").isLessThanOrEqualTo(BOUND + slack);
            assertThat(settled).as("largest partition after a retention check").isLessThanOrEqualTo(BOUND + BOUND / 8 + (1 << 20));
            assertThat(settled).as("the topic still holds recent records").isGreaterThan(BOUND / 4);
        }
    }

    @Test
    void aBoundBelowEightMebibytesIsRefused() {
        assertThatThrownBy(() -> LocalStack.bounded(1 << 20)).hasMessageContaining("at least 8 MiB");
    }

    private static long largestPartition(Path logDir) throws IOException {
        long max = 0;
        try (Stream<Path> dirs = Files.list(logDir)) {
            for (Path d : dirs.filter(x -> x.getFileName().toString().startsWith("canyon.steps-")).toList()) {
                try (Stream<Path> files = Files.list(d)) {
                    long size = 0;
                    for (Path f : files.filter(x -> x.toString().endsWith(".log")).toList()) {
                        size += Files.size(f);
                    }
                    max = Math.max(max, size);
                }
            }
        }
        return max;
    }
}
