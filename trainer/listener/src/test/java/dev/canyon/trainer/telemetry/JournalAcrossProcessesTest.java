package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery across process lifetimes (the issue's test): a training program in a child JVM loses
 * its broker before {@code close()}; close returns within its budget without throwing, the report
 * says how many records wait in the journal, and the program exits 0. With the broker back, the next
 * listener started on the same journal folder re-sends them: the broker then holds every record of
 * the first run exactly once, in order, and the folder holds no journal. ({@code canyon resend}
 * resolving the same scenario is tested in canyon-cli, ResendCommandTest.)
 */
@Tag("real")
class JournalAcrossProcessesTest {
    static final int BEFORE = 40;
    static final int AFTER = 30;
    static final Duration CLOSE_BUDGET = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    /** The child's delivery report, as it printed it. */
    record ChildReport(long attempted, long acknowledged, long spilled, long journaled, long dropped, long closeMillis, Path journal) {}

    @Test
    void recordsLeftAtCloseArriveOnceInOrderWhenTheNextListenerStarts() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        try {
            TopicSetup.ensure(kafka.bootstrapServers());
            Path journalDir = dir.resolve("state/canyon/journal");
            ChildReport first = trainInChildAndStopKafkaBeforeClose(kafka, journalDir, "run-first");
            assertThat(first.attempted()).as("run-started, every step, run-ended").isEqualTo(BEFORE + AFTER + 2);
            assertThat(first.acknowledged()).as("delivered before the broker stopped").isEqualTo(BEFORE + 1);
            assertThat(first.journaled()).as("left in the journal").isEqualTo(AFTER + 1);
            assertThat(first.spilled()).as("journaled while training").isPositive();
            assertThat(first.dropped()).isZero();
            assertThat(first.closeMillis()).as("close() within its budget").isLessThan(CLOSE_BUDGET.toMillis() + 3000);
            assertThat(first.journal()).isEqualTo(journalDir.resolve("run-first.journal"));
            if (JournalFolder.posix(dir)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.journal()))).isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journalDir))).isEqualTo("rwx------");
            }
            assertThat(Journals.list(journalDir)).singleElement().satisfies(j -> {
                assertThat(j.runId()).isEqualTo("run-first");
                assertThat(j.records()).isEqualTo(AFTER + 1);
                assertThat(j.bootstrapServers()).isEqualTo(kafka.bootstrapServers());
            });

            kafka.restart();
            // The next program: a second, short run with the same journal folder.
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-journal", "run-second")
                    .vectors(VectorRepresentation.sketch(64)).journalDir(journalDir).closeTimeout(Duration.ofSeconds(60)).build();
            MultiLayerNetwork net = SmallMlp.network(8, 0.05, 8);
            TelemetryListener second = TelemetryListener.attach(net, config, RunDescription.unknown());
            second.around(() -> SmallMlp.fit(net, 16, 8, 5));
            DeliveryReport r = second.deliveryReport();
            assertThat(r.complete()).as(r.summary()).isTrue();
            assertThat(r.spilled()).isZero();
            assertThat(r.leftoversResent()).isEqualTo(first.journaled());

            assertDeliveredOnceInOrder(kafka.bootstrapServers(), "run-first", BEFORE + AFTER, first.attempted());
            assertDeliveredOnceInOrder(kafka.bootstrapServers(), "run-second", 5, 7);
            assertThat(Journals.list(journalDir)).as("no leftovers").isEmpty();
        } finally {
            kafka.close();
        }
    }

    /**
     * Runs {@link TrainingChild} for {@code run}: {@value #BEFORE} steps delivered, the broker stopped,
     * {@value #AFTER} more steps, close, exit; returns the report it printed (and checks it exited 0).
     */
    static ChildReport trainInChildAndStopKafkaBeforeClose(EmbeddedKafka kafka, Path journalDir, String run) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        String root = System.getProperty("canyon.repo.root");
        if (root != null) {
            cmd.add("@" + Path.of(root, "jvm-opens.args"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainingChild.class.getName(), kafka.bootstrapServers(),
                journalDir.toString(), run, Integer.toString(BEFORE), Integer.toString(AFTER), Long.toString(CLOSE_BUDGET.toMillis())));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch flushed = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("child| " + line);
                    out.add(line);
                    if (line.startsWith(TrainingChild.PREFIX + "flushed")) {
                        flushed.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                out.add("reader: " + e);
            }
        });
        reader.start();
        try {
            assertThat(flushed.await(180, TimeUnit.SECONDS)).as("the child trained and flushed: %s", out).isTrue();
            assertThat(out).contains(TrainingChild.PREFIX + "flushed true");
            kafka.stop();
            try (OutputStream go = child.getOutputStream()) {
                go.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(child.waitFor(180, TimeUnit.SECONDS)).as("the child ended: %s", out).isTrue();
            assertThat(child.exitValue()).as("the child's exit status: %s", out).isZero();
            reader.join(10_000);
        } finally {
            child.destroyForcibly();
        }
        String line = out.stream().filter(l -> l.startsWith(TrainingChild.PREFIX + "report ")).findFirst()
                .orElseThrow(() -> new AssertionError("no report from the child: " + out));
        Map<String, String> f = new HashMap<>();
        for (String kv : line.substring((TrainingChild.PREFIX + "report ").length()).split(" ")) {
            int eq = kv.indexOf('=');
            f.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return new ChildReport(Long.parseLong(f.get("attempted")), Long.parseLong(f.get("acknowledged")),
                Long.parseLong(f.get("spilled")), Long.parseLong(f.get("journaled")), Long.parseLong(f.get("dropped")),
                Long.parseLong(f.get("closeMillis")), Path.of(f.get("journal")));
    }

    /**
     * The broker holds run {@code run}'s records exactly once and in order: run-started then run-ended
     * (for {@code steps} steps) on the run topic, steps 1..{@code steps} on the step topic, {@code records} in all.
     */
    static void assertDeliveredOnceInOrder(String bootstrap, String run, int steps, long records) {
        List<WireRecords.Decoded> lifecycle = ofRun(TopicContents.readAll(bootstrap, Topics.RUNS, Duration.ofSeconds(30)), run);
        List<WireRecords.Decoded> stepTopic = ofRun(TopicContents.readAll(bootstrap, Topics.STEPS, Duration.ofSeconds(30)), run);
        assertThat(lifecycle).hasSize(2);
        assertThat(lifecycle.get(0)).isInstanceOf(WireRecords.DecodedRunStarted.class);
        assertThat(lifecycle.get(1)).isInstanceOf(WireRecords.DecodedRunEnded.class);
        RunEnded ended = ((WireRecords.DecodedRunEnded) lifecycle.get(1)).record();
        assertThat(ended.getSteps()).isEqualTo(steps);
        assertThat(stepTopic).allMatch(d -> d instanceof WireRecords.DecodedStep);
        assertThat(stepTopic).extracting(d -> ((WireRecords.DecodedStep) d).record().getStep())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, steps).boxed().toList());
        assertThat(lifecycle.size() + stepTopic.size()).isEqualTo(records);
    }

    private static List<WireRecords.Decoded> ofRun(List<ConsumerRecord<byte[], byte[]>> records, String run) {
        return records.stream().filter(r -> r.key() != null && run.equals(new String(r.key(), StandardCharsets.UTF_8)))
                .map(r -> WireRecords.decode(r.value())).toList();
    }
}
