package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.Topics;
import dev.canyon.contract.kafka.KafkaClientProperties;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Canyon against a broker whose only client listener wants SASL (SCRAM-SHA-256): {@code canyon
 * train} with {@code --kafka-config}, the analytics job with the same file as {@code
 * CANYON_KAFKA_CONFIG} reads it, {@code canyon replay} and {@code canyon report}; the steps reach
 * InfluxDB, and the password is in no log line, no output, no file the run wrote and no record on
 * any topic. A wrong password fails with a clear error instead of waiting.
 */
@Tag("real")
class SecureKafkaTest {

    private static final int STEPS = 30;

    @TempDir
    Path dir;

    private final List<String> logLines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Level> levels = new HashMap<>();
    private AppenderBase<ILoggingEvent> appender;

    /** Every log event of this JVM, at INFO and above also for Kafka and Flink (their configuration dumps included). */
    @BeforeEach
    void captureLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (String name : new String[] {"org.apache.kafka", "kafka", "org.apache.flink"}) {
            Logger l = ctx.getLogger(name);
            levels.put(name, l.getLevel());
            l.setLevel(Level.INFO);
        }
        appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                logLines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : "\n"
                        + ThrowableProxyUtil.asString(e.getThrowableProxy())));
            }
        };
        appender.setContext(ctx);
        appender.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    @AfterEach
    void restoreLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        levels.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    }

    @Test
    void theWholePipelineRunsOnASaslBrokerAndThePasswordStaysInTheFile() throws Exception {
        String password = "pw" + UUID.randomUUID().toString().replace("-", "");
        EmbeddedKafka.ScramUser alice = new EmbeddedKafka.ScramUser("alice", password);
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Path clientConfig = secrets.resolve("client.properties");
        writeClientConfig(clientConfig, alice);
        List<String> outputs = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.startWithScram(dir.resolve("kafka"), alice);
                InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influxdb"))) {
            String bootstrap = kafka.bootstrapServers();
            // Without credentials the broker lets no client in: no plaintext way around the SASL listener.
            Map<String, String> none = Map.of();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TopicSetup.ensure(bootstrap + "", withTimeouts(none)))
                    .hasMessageContaining("cannot create or check Canyon's topics on " + bootstrap);

            CommandRun train = CommandRun.of("train", "--bootstrap-servers", bootstrap, "--kafka-config", clientConfig.toString(),
                    "--dataset", "deep-linear-2", "--steps", Integer.toString(STEPS), "--probes", "off", "--experiment", "secure",
                    "--journal-dir", dir.resolve("journal").toString(), "--strict-delivery");
            outputs.add(train.out());
            outputs.add(train.err());
            assertThat(train.exit()).as(train.err()).isZero();
            Matcher m = Pattern.compile("run (\\S+) \\(experiment secure\\): " + STEPS + " steps, " + STEPS
                    + " step records published").matcher(train.out());
            assertThat(m.find()).as(train.out()).isTrue();
            String runId = m.group(1);

            // The job as its entry point configures it: the file named by CANYON_KAFKA_CONFIG, for the topics, the
            // source and the alert and dead-letter sinks.
            Map<String, String> jobKafka = KafkaClientProperties.fromEnvironment(Map.of(KafkaClientProperties.ENV,
                    clientConfig.toString()));
            TopicSetup.ensure(bootstrap, jobKafka);
            InfluxConfig influx = InfluxConfig.of(influxd.url());
            AnalyticsConfig config = new AnalyticsConfig(bootstrap, jobKafka, null, influx, Duration.ofSeconds(1), null, 1, -1);
            assertThat(config.toString()).doesNotContain(password).contains("sasl.jaas.config=****");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                    dev.canyon.job.LocalCluster.secure(new Configuration()));
            StepAnalyticsJob.buildProduction(env, config);
            JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
            try (InfluxStore store = InfluxStore.connect(influx)) {
                awaitCount(() -> store.countPoints(Measurements.TRAINING, runId), STEPS, Duration.ofSeconds(180));
                // An unusable record: the job's dead-letter sink writes it on through the SASL listener.
                Properties p = new Properties();
                p.putAll(jobKafka);
                p.put("bootstrap.servers", bootstrap);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(Topics.STEPS, "garbage".getBytes(StandardCharsets.UTF_8),
                            "not a step".getBytes(StandardCharsets.UTF_8))).get();
                }
                awaitCount(() -> records(bootstrap, jobKafka, Topics.DEAD_LETTER).size(), 1, Duration.ofSeconds(120));
            } finally {
                job.cancel().get();
            }

            CommandRun replay = CommandRun.of("replay", "--bootstrap-servers", bootstrap, "--kafka-config", clientConfig.toString(),
                    "--influx-url", influxd.url(), "--influx-db", "replayed", "--run", runId);
            outputs.add(replay.out());
            outputs.add(replay.err());
            assertThat(replay.exit()).as(replay.err()).isZero();
            try (InfluxStore replayed = InfluxStore.connect(influx.withDatabase("replayed"))) {
                assertThat(replayed.countPoints(Measurements.TRAINING, runId)).isEqualTo(STEPS);
            }
            CommandRun list = CommandRun.of("report", "--bootstrap-servers", bootstrap, "--kafka-config", clientConfig.toString(),
                    "--list");
            outputs.add(list.out());
            outputs.add(list.err());
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains(runId);

            // The password: in no record of any Canyon topic (raw bytes of keys, values and headers) ...
            byte[] secret = password.getBytes(StandardCharsets.UTF_8);
            int records = 0;
            for (String topic : TopicSetup.TOPICS) {
                for (ConsumerRecord<byte[], byte[]> r : records(bootstrap, jobKafka, topic)) {
                    records++;
                    assertThat(contains(r.key(), secret) || contains(r.value(), secret)).as("record on " + topic).isFalse();
                    for (Header h : r.headers()) {
                        assertThat(contains(h.value(), secret)).as("header on " + topic).isFalse();
                    }
                }
            }
            assertThat(records).isGreaterThan(STEPS);
        }
        // ... in no output of the commands, no log line of this JVM (broker, trainer, job, commands) ...
        assertThat(logLines).isNotEmpty();
        for (String out : outputs) {
            assertThat(out).doesNotContain(password);
        }
        synchronized (logLines) {
            assertThat(logLines.stream().filter(l -> l.contains(password)).toList()).isEmpty();
            // Kafka's configuration dumps were captured and hide the value.
            assertThat(logLines.stream().anyMatch(l -> l.contains("sasl.jaas.config = [hidden]"))).isTrue();
        }
        // ... and in no file the run left (Kafka's segments and metadata, influxd's data and log, the journal),
        // but the client configuration file itself.
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        int files = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.filter(Files::isRegularFile).filter(f -> !f.equals(clientConfig)).toList()) {
                files++;
                assertThat(contains(Files.readAllBytes(f), secret)).as(f.toString()).isFalse();
            }
        }
        assertThat(files).isGreaterThan(10);
    }

    @Test
    void aWrongPasswordFailsClearlyAndQuickly() throws Exception {
        EmbeddedKafka.ScramUser alice = new EmbeddedKafka.ScramUser("alice", "right" + UUID.randomUUID().toString().replace("-", ""));
        Path wrong = dir.resolve("wrong.properties");
        writeClientConfig(wrong, new EmbeddedKafka.ScramUser("alice", "wrongpassword"));
        try (EmbeddedKafka kafka = EmbeddedKafka.startWithScram(dir.resolve("kafka"), alice)) {
            long start = System.nanoTime();
            CommandRun train = CommandRun.of("train", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-config", wrong.toString(),
                    "--dataset", "deep-linear-2", "--steps", "5", "--probes", "off", "--journal-dir", dir.resolve("journal").toString());
            assertThat(train.exit()).isEqualTo(1);
            assertThat(train.err()).contains("canyon train: cannot create or check Canyon's topics on " + kafka.bootstrapServers())
                    .contains("Authentication failed").contains("SCRAM-SHA-256").doesNotContain("wrongpassword");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));

            CommandRun report = CommandRun.of("report", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-config",
                    wrong.toString(), "--list");
            assertThat(report.exit()).isEqualTo(1);
            assertThat(report.err()).contains("Authentication failed").doesNotContain("wrongpassword");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(120));
        }
    }

    private static void writeClientConfig(Path file, EmbeddedKafka.ScramUser user) throws Exception {
        Properties p = new Properties();
        p.putAll(EmbeddedKafka.scramClientProperties(user));
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, "Kafka client settings (test)");
        }
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private static Map<String, String> withTimeouts(Map<String, String> p) {
        Map<String, String> out = new HashMap<>(p);
        out.put("request.timeout.ms", "3000");
        out.put("default.api.timeout.ms", "5000");
        return out;
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(String bootstrap, Map<String, String> kafka, String topic) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put("bootstrap.servers", bootstrap);
        p.put("max.partition.fetch.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        if (hay == null) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void awaitCount(java.util.function.LongSupplier count, long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long n = -1;
        while (System.nanoTime() < deadline) {
            try {
                n = count.getAsLong();
            } catch (RuntimeException e) {
                n = -1;
            }
            if (n >= expected) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("expected " + expected + " within " + timeout + ", have " + n);
    }
}
