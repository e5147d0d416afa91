package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.canyon.contract.Topics;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The Kafka sink with no broker at all: the start budget passes once, close() returns within its
 * budget without throwing and leaves every record in the journal, in order (0600 in a 0700 folder),
 * with one warning that says how many and where; strict delivery throws instead; a later sink of
 * the same run takes the journal over and appends after it.
 */
class KafkaSinkWithoutBrokerTest {

    @TempDir
    Path dir;

    private ListAppender<ILoggingEvent> log;
    private ch.qos.logback.classic.Logger logger;

    @BeforeEach
    void capture() {
        logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(KafkaTelemetrySink.class);
        log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void release() {
        logger.detachAppender(log);
    }

    private TelemetryConfig.Builder config(int port) {
        return TelemetryConfig.builder().bootstrapServers("localhost:" + port).run("exp", "run-offline")
                .journalDir(dir.resolve("state/journal")).stepBudget(Duration.ofMillis(50)).startBudget(Duration.ofMillis(300))
                .closeTimeout(Duration.ofMillis(300)).inFlightBytes(1000);
    }

    private static byte[] record(int i) {
        byte[] v = new byte[100];
        v[0] = (byte) i;
        v[1] = (byte) (i >> 8);
        return v;
    }

    private static int index(byte[] v) {
        return (v[0] & 0xff) | (v[1] & 0xff) << 8;
    }

    @Test
    void closeLeavesEveryRecordInTheJournalInOrderAndDoesNotThrow() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        KafkaTelemetrySink sink = new KafkaTelemetrySink(config(port).build());
        for (int i = 0; i < 30; i++) {
            sink.send(i % 3 == 0 ? Topics.RUNS : Topics.STEPS, "run-offline", record(i));
        }
        // The start budget (300 ms) passes on the sink's own thread; on a loaded machine its warning can
        // come late, so wait for it (at most 5 s) rather than race close() against it.
        long waitUntil = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < waitUntil && log.list.stream().noneMatch(e -> e.getFormattedMessage().contains("start budget"))) {
            Thread.sleep(20);
        }
        long t0 = System.nanoTime();
        sink.close();
        double closeSeconds = (System.nanoTime() - t0) / 1e9;
        DeliveryReport r = sink.report();
        assertThat(closeSeconds).as("close() within its budget (plus the step budget and producer shutdown)").isLessThan(3);
        assertThat(r.attempted()).isEqualTo(30);
        assertThat(r.acknowledged()).isZero();
        assertThat(r.dropped()).isZero();
        assertThat(r.settled()).isFalse();
        assertThat(r.journaled()).isEqualTo(30);
        assertThat(r.journal()).isEqualTo(dir.resolve("state/journal/run-offline.journal"));
        if (JournalFolder.posix(dir)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.journal()))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.journal().getParent()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state")))).isEqualTo("rwx------");
        }
        assertThat(indices(r.journal())).containsExactlyElementsOf(range(0, 30));
        List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(warnings).filteredOn(w -> w.contains("start budget")).hasSize(1);
        assertThat(warnings).filteredOn(w -> w.contains("30 records did not reach Kafka")).singleElement().asString()
                .contains(r.journal().toString()).contains("canyon resend");

        // The same run continued by a later process: its journal is taken over, new records go after it.
        KafkaTelemetrySink next = new KafkaTelemetrySink(config(port).build());
        for (int i = 30; i < 40; i++) {
            next.send(Topics.STEPS, "run-offline", record(i));
        }
        DeliveryReport r2 = next.finish();
        assertThat(r2.journaled()).isEqualTo(40);
        assertThat(indices(r2.journal())).containsExactlyElementsOf(range(0, 40));

        // Strict delivery: close() throws, naming where the records wait.
        KafkaTelemetrySink strict = new KafkaTelemetrySink(config(port).runId("run-strict").strictDelivery(true).build());
        strict.send(Topics.RUNS, "run-strict", record(1));
        assertThatThrownBy(strict::close).isInstanceOf(TelemetryException.class)
                .hasMessageContaining("1 records remain in " + dir.resolve("state/journal/run-strict.journal"));
    }

    private static List<Integer> indices(Path journal) throws Exception {
        List<Integer> out = new ArrayList<>();
        SpillJournal j = SpillJournal.open(journal, Long.MAX_VALUE);
        for (SpillJournal.Read r = j.peek(); r != null; r = j.peek()) {
            out.add(index(r.entry().value()));
            j.advance(r);
        }
        j.close(List.of());
        return out;
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }
}
