package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.canyon.contract.Topics;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A broker that is down does not flood the training's log: the Kafka client reconnects after 1 s,
 * doubling to 10 s, so it logs a few lines, and the sink says once that Kafka is unreachable.
 */
class QuietOutageTest {

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> kafkaLog = new ListAppender<>();
    private final ListAppender<ILoggingEvent> sinkLog = new ListAppender<>();
    private ch.qos.logback.classic.Logger kafkaLogger;
    private ch.qos.logback.classic.Logger sinkLogger;

    @BeforeEach
    void capture() {
        kafkaLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.kafka");
        sinkLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(KafkaTelemetrySink.class);
        kafkaLog.start();
        sinkLog.start();
        kafkaLogger.addAppender(kafkaLog);
        sinkLogger.addAppender(sinkLog);
    }

    @AfterEach
    void release() {
        kafkaLogger.detachAppender(kafkaLog);
        sinkLogger.detachAppender(sinkLog);
    }

    @Test
    void reconnectBackoffDefaultsAreSlowAndExplicitPropertiesWin() {
        Properties p = TelemetryConfig.builder().bootstrapServers("localhost:1").build().producerProperties();
        assertThat(p.getProperty("reconnect.backoff.ms")).isEqualTo("1000");
        assertThat(p.getProperty("reconnect.backoff.max.ms")).isEqualTo("10000");
        Properties mine = TelemetryConfig.builder().bootstrapServers("localhost:1")
                .kafkaProperties(Map.of("reconnect.backoff.ms", "50", "reconnect.backoff.max.ms", "500")).build().producerProperties();
        assertThat(mine.getProperty("reconnect.backoff.ms")).isEqualTo("50");
        assertThat(mine.getProperty("reconnect.backoff.max.ms")).isEqualTo("500");
    }

    /**
     * Five seconds of training (a record every 50 ms) with nothing listening at the address. The
     * bound, 8 Kafka client WARN lines: each failed connection attempt logs two ("could not be
     * established", "disconnected"); with reconnect.backoff.ms 1 s doubling (±20% jitter) the attempts
     * come at about 0, 1 and 3 s, the fourth no sooner than 0.8 + 1.6 + 3.2 = 5.6 s, so at most 6
     * lines, plus 2 to spare. The old defaults (50 ms doubling to 1 s) made 9 attempts, 18 lines,
     * here. A slower machine makes fewer attempts, never more.
     */
    @Test
    void aBrokerThatIsDownCostsAFewClientLinesAndOneWarningOfTheSink() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers("localhost:" + port).run("exp", "run-quiet")
                .journalDir(dir.resolve("journal")).startBudget(Duration.ofSeconds(1)).closeTimeout(Duration.ofMillis(300)).build();
        KafkaTelemetrySink sink = new KafkaTelemetrySink(config);
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < 5_000_000_000L) {
            sink.send(Topics.STEPS, "run-quiet", new byte[100]);
            Thread.sleep(50);
        }
        List<String> kafkaWarnings = warnings(kafkaLog);
        List<String> sinkWarnings = warnings(sinkLog);
        sink.finish();
        System.out.println("Kafka client warnings in 5 s: " + kafkaWarnings.size());
        assertThat(kafkaWarnings).as("Kafka client WARN lines in 5 s").isNotEmpty().hasSizeLessThanOrEqualTo(8);
        assertThat(sinkWarnings).as("the sink's warnings while Kafka is down").singleElement().asString()
                .contains("Kafka at localhost:" + port + " is unreachable").contains("start budget (1 s)")
                .contains(dir.resolve("journal").toString()).contains("Training goes on");
    }

    /**
     * The broker stops while records flow and comes back: one warning when nothing has been
     * acknowledged for the start budget (here 5 s), one when Kafka acknowledges again, nothing in
     * between, and every record delivered.
     */
    @Test
    @Tag("real")
    void theSinkSaysOnceThatKafkaIsUnreachableAndOnceThatItIsBack() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        try {
            TopicSetup.ensure(kafka.bootstrapServers());
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp", "run-back")
                    .journalDir(dir.resolve("journal")).startBudget(Duration.ofSeconds(5)).closeTimeout(Duration.ofSeconds(60)).build();
            KafkaTelemetrySink sink = new KafkaTelemetrySink(config);
            int sent = 0;
            for (; sent < 10; sent++) {
                sink.send(Topics.STEPS, "run-back", new byte[100]);
            }
            assertThat(sink.flush(Duration.ofSeconds(60))).as("delivered while the broker is up").isTrue();
            kafka.stop();
            sent += sendUntil(sink, "is unreachable");
            kafka.restart();
            sent += sendUntil(sink, "answers again after");
            assertThat(sink.flush(Duration.ofSeconds(120))).as("everything delivered once Kafka is back").isTrue();
            DeliveryReport report = sink.finish();
            assertThat(report.acknowledged()).isEqualTo(sent);
            assertThat(report.dropped()).isZero();
            List<String> sinkWarnings = warnings(sinkLog);
            assertThat(sinkWarnings).filteredOn(w -> w.contains("is unreachable")).singleElement().asString()
                    .contains("Kafka at " + kafka.bootstrapServers() + " is unreachable").contains("acknowledged no telemetry for");
            assertThat(sinkWarnings).filteredOn(w -> w.contains("answers again after")).singleElement().asString()
                    .contains("Kafka at " + kafka.bootstrapServers() + " answers again after");
            assertThat(sinkWarnings).as("nothing else but the two").hasSize(2);
        } finally {
            kafka.close();
        }
    }

    /** Sends a record every 50 ms until the sink logs {@code text} (at most 3 minutes); how many it sent. */
    private int sendUntil(KafkaTelemetrySink sink, String text) throws InterruptedException {
        int n = 0;
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (warnings(sinkLog).stream().noneMatch(w -> w.contains(text))) {
            assertThat(System.nanoTime() - deadline).as("waiting for '" + text + "'").isNegative();
            sink.send(Topics.STEPS, "run-back", new byte[100]);
            n++;
            Thread.sleep(50);
        }
        return n;
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> log) {
        return List.copyOf(log.list).stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    }
}
