package dev.canyon.job;

import org.junit.jupiter.api.Tag;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.InfluxdProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the job tests share: a real broker (with Canyon's topics) and a real influxd for the test
 * class, a producer, and a bounded wait. Each test class registers its own Flink MiniCluster.
 */
@Tag("real")
abstract class JobTestStack {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static InfluxdProcess influxd;

    @BeforeAll
    static void startStack() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicSetup.ensure(kafka.bootstrapServers());
        influxd = InfluxdProcess.start(dir.resolve("influx"));
    }

    @AfterAll
    static void stopStack() {
        influxd.close();
        kafka.close();
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Polls {@code condition} every 100 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void waitFor(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
