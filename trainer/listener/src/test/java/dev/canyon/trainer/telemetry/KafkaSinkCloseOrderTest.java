package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What close() leaves in the journal when Kafka stopped acknowledging: every record not acknowledged,
 * from wherever it waited (accepted by the producer, re-sent from the journal, or still in the
 * journal), in the order sent. A {@link MockProducer} acknowledges only when told.
 */
class KafkaSinkCloseOrderTest {

    @TempDir
    Path dir;

    private static byte[] record(int i) {
        byte[] v = new byte[100];
        v[0] = (byte) i;
        return v;
    }

    @Test
    void unacknowledgedRecordsGoBeforeJournaledOnesInSendOrder() throws Exception {
        MockProducer<String, byte[]> kafka = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers("mock:9092").run("exp", "run-mock")
                .journalDir(dir.resolve("journal")).inFlightBytes(500).closeTimeout(Duration.ofMillis(200)).build();
        KafkaTelemetrySink sink = new KafkaTelemetrySink(config, kafka);
        for (int i = 0; i < 5; i++) {
            sink.send(Topics.STEPS, "run-mock", record(i));
        }
        await(() -> kafka.history().size() == 5);
        // The in-flight bound (500 bytes) is full: these journal.
        for (int i = 5; i < 10; i++) {
            sink.send(Topics.STEPS, "run-mock", record(i));
        }
        assertThat(sink.report().spilled()).isEqualTo(5);
        kafka.completeNext();
        kafka.completeNext();
        // Room for two: the journal thread hands 5 and 6 to the producer.
        await(() -> kafka.history().size() == 7);
        for (int i = 10; i < 12; i++) {
            sink.send(Topics.STEPS, "run-mock", record(i));
        }
        DeliveryReport r = sink.finish();
        assertThat(r.acknowledged()).isEqualTo(2);
        assertThat(r.journaled()).isEqualTo(10);
        assertThat(r.dropped()).isZero();
        List<Integer> journaled = new ArrayList<>();
        SpillJournal j = SpillJournal.open(r.journal(), Long.MAX_VALUE);
        for (SpillJournal.Read read = j.peek(); read != null; read = j.peek()) {
            journaled.add((int) read.entry().value()[0]);
            j.advance(read);
        }
        j.close(List.of());
        assertThat(journaled).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(kafka.closed()).isTrue();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 10 s").isNegative();
            Thread.sleep(5);
        }
    }
}
