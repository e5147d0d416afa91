package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import dev.canyon.trainer.telemetry.DeliveryReport;
import dev.canyon.trainer.telemetry.Journals;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;

/**
 * {@code canyon resend}, the scenario resolved by the command instead of a new listener:
 * training loses its broker before close(); close returns without throwing and leaves the rest in
 * the journal; the training objects are dropped (the program ends). While the broker is away the
 * command exits 3 and says where the records wait; once it is back, it exits 0 and the broker holds
 * every record of the run exactly once, in order, with no journal left. Journals written for other
 * bootstrap servers are left alone (exit 3, named) unless --any-cluster.
 */
@Tag("real")
class ResendCommandTest {
    static final int BEFORE = 20;
    static final int AFTER = 15;

    @TempDir
    Path dir;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    @Test
    void resendDeliversWhatTrainingLeftInTheJournalOnceInOrder() throws Exception {
        Path journal = dir.resolve("journal");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(bootstrap);
            DeliveryReport first = trainAndLoseTheBrokerBeforeClose(kafka, journal, "run-resend");
            assertThat(first.journaled()).isEqualTo(AFTER + 1);
            assertThat(first.acknowledged()).isEqualTo(BEFORE + 1);
            // The training's objects went with the method: the program has ended, only the journal is left.

            CommandRun away = run("resend", "--bootstrap-servers", bootstrap, "--journal-dir", journal.toString(), "--timeout", "2");
            assertThat(away.exit()).as(away.out() + away.err()).isEqualTo(3);
            assertThat(away.out()).contains("left run run-resend: " + (AFTER + 1) + " records remain in " + journal.resolve("run-resend.journal"))
                    .contains("1 of 1 journals remain in " + journal);
            assertThat(Journals.list(journal)).singleElement().extracting(Journals.Journal::records).isEqualTo((long) AFTER + 1);

            kafka.restart();
            CommandRun back = run("resend", "--bootstrap-servers", bootstrap, "--journal-dir", journal.toString());
            assertThat(back.exit()).as(back.out() + back.err()).isZero();
            assertThat(back.out()).contains("sent run run-resend: " + (AFTER + 1) + " records").contains("All 1 journals delivered");
            assertDeliveredOnceInOrder(bootstrap, "run-resend", BEFORE + AFTER, BEFORE + AFTER + 2);
            assertThat(Journals.list(journal)).isEmpty();
            CommandRun none = run("resend", "--bootstrap-servers", bootstrap, "--journal-dir", journal.toString());
            assertThat(none.exit()).isZero();
            assertThat(none.out()).contains("No telemetry journals in " + journal);

            // A journal written for other bootstrap servers: named and left alone, unless --any-cluster.
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            TelemetryConfig elsewhere = TelemetryConfig.builder().bootstrapServers("localhost:" + closed).run("exp-resend", "run-elsewhere")
                    .vectors(VectorRepresentation.sketch(64)).journalDir(journal).startBudget(Duration.ofMillis(200))
                    .closeTimeout(Duration.ofMillis(200)).build();
            MultiLayerNetwork net = network();
            TelemetryListener l = TelemetryListener.attach(net, elsewhere, RunDescription.unknown());
            l.around(() -> fit(net, 3, new Random(3)));
            assertThat(l.deliveryReport().journaled()).isEqualTo(5);
            CommandRun other = run("resend", "--bootstrap-servers", bootstrap, "--journal-dir", journal.toString());
            assertThat(other.exit()).isEqualTo(3);
            assertThat(other.out()).contains("written for Kafka at localhost:" + closed + ", not " + bootstrap)
                    .contains("canyon resend --bootstrap-servers localhost:" + closed);
            CommandRun any = run("resend", "--bootstrap-servers", bootstrap, "--journal-dir", journal.toString(), "--any-cluster");
            assertThat(any.exit()).as(any.out() + any.err()).isZero();
            assertDeliveredOnceInOrder(bootstrap, "run-elsewhere", 3, 5);
            assertThat(Journals.list(journal)).isEmpty();
        }
    }

    /** Trains {@value #BEFORE} steps (delivered), stops the broker, trains {@value #AFTER} more, closes; the final report. */
    private static DeliveryReport trainAndLoseTheBrokerBeforeClose(EmbeddedKafka kafka, Path journal, String runId) {
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-resend", runId)
                .vectors(VectorRepresentation.sketch(64)).journalDir(journal).inFlightBytes(8 * 1024)
                .closeTimeout(Duration.ofSeconds(2)).build();
        MultiLayerNetwork net = network();
        TelemetryListener listener = TelemetryListener.attach(net, config, RunDescription.unknown());
        assertThat(listener.flush(Duration.ofSeconds(60))).isTrue();
        Random data = new Random(7);
        fit(net, BEFORE, data);
        assertThat(listener.flush(Duration.ofSeconds(60))).as("delivered before the broker stops").isTrue();
        kafka.stop();
        fit(net, AFTER, data);
        long t0 = System.nanoTime();
        listener.close(); // does not throw
        assertThat((System.nanoTime() - t0) / 1e9).as("close() within its budget").isLessThan(5);
        return listener.deliveryReport();
    }

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).updater(new Sgd(0.05)).list()
                .layer(new DenseLayer.Builder().nIn(16).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    private static void fit(MultiLayerNetwork net, int steps, Random random) {
        for (int s = 0; s < steps; s++) {
            float[] x = new float[8 * 16];
            float[] y = new float[8 * 4];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat();
            }
            for (int b = 0; b < 8; b++) {
                y[b * 4 + random.nextInt(4)] = 1;
            }
            net.fit(new DataSet(Nd4j.create(x, new long[] {8, 16}, 'c'), Nd4j.create(y, new long[] {8, 4}, 'c')));
        }
    }

    /** Run-started, run-ended (for {@code steps}) and steps 1..{@code steps}, each once, in order; {@code records} in all. */
    private static void assertDeliveredOnceInOrder(String bootstrap, String run, int steps, long records) {
        List<WireRecords.Decoded> lifecycle = ofRun(TopicContents.readAll(bootstrap, Topics.RUNS, Duration.ofSeconds(30)), run);
        List<WireRecords.Decoded> stepTopic = ofRun(TopicContents.readAll(bootstrap, Topics.STEPS, Duration.ofSeconds(30)), run);
        assertThat(lifecycle).hasSize(2);
        assertThat(lifecycle.get(0)).isInstanceOf(WireRecords.DecodedRunStarted.class);
        assertThat(((WireRecords.DecodedRunEnded) lifecycle.get(1)).record().getSteps()).isEqualTo(steps);
        assertThat(stepTopic).extracting(d -> ((WireRecords.DecodedStep) d).record().getStep())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, steps).boxed().toList());
        assertThat(lifecycle.size() + stepTopic.size()).isEqualTo(records);
    }

    private static List<WireRecords.Decoded> ofRun(List<ConsumerRecord<byte[], byte[]>> records, String run) {
        return records.stream().filter(r -> r.key() != null && run.equals(new String(r.key(), StandardCharsets.UTF_8)))
                .map(r -> WireRecords.decode(r.value())).toList();
    }
}
