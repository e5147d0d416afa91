package dev.canyon.trainer.telemetry;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.Step;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away mid-training and comes back: training never waits on telemetry for longer
 * than the step budget, and every step record arrives exactly once, in order.
 */
@Tag("real")
class BrokerOutageTest {
    static final int STEPS = 1500;
    static final Duration BUDGET = Duration.ofMillis(250);

    @TempDir
    Path dir;

    /** Marks the time around the telemetry listener: DL4J calls listeners in the order they were added. */
    static final class Clock extends BaseTrainingListener {
        final long[] nanos = new long[STEPS + 1];
        int step;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            nanos[Math.min(step++, STEPS)] = System.nanoTime();
        }
    }

    @Test
    void stepsSurviveABrokerRestartExactlyOnceInOrder() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        try {
            TopicSetup.ensure(kafka.bootstrapServers());
            MultiLayerNetwork net = SmallMlp.network(16, 0.05, 3);
            Clock before = new Clock();
            Clock after = new Clock();
            CountDownLatch down = new CountDownLatch(1);
            CountDownLatch restartNow = new CountDownLatch(1);
            Thread outage = new Thread(() -> {
                try {
                    down.await();
                    kafka.stop();
                    restartNow.await(60, TimeUnit.SECONDS);
                    kafka.restart();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            outage.start();
            net.addListeners(before);
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-outage", "run-outage")
                    .vectors(VectorRepresentation.sketch(256)).stepBudget(BUDGET).inFlightBytes(64 * 1024)
                    .journalDir(dir.resolve("journal")).journalMaxBytes(1L << 30).closeTimeout(Duration.ofSeconds(90)).build();
            TelemetryListener telemetry = TelemetryListener.attach(net, config, RunDescription.unknown());
            net.addListeners(after, new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    if (after.step == 100) {
                        down.countDown();
                    }
                    if (after.step == 1000) {
                        restartNow.countDown();
                    }
                }
            });
            SmallMlp.fit(net, 32, 3, STEPS);
            restartNow.countDown();
            outage.join(60_000);
            telemetry.close();
            DeliveryReport delivery = telemetry.sink().report();

            long worst = 0;
            for (int s = 0; s < STEPS; s++) {
                worst = Math.max(worst, after.nanos[s] - before.nanos[s]);
            }
            System.out.printf("outage: spilled %d, resent %d, dropped %d; slowest telemetry step %.1f ms (budget %d ms)%n",
                    delivery.spilled(), delivery.resent(), delivery.dropped(), worst / 1e6, BUDGET.toMillis());
            assertThat(delivery.spilled()).as("the outage made the sink journal").isPositive();
            assertThat(delivery.resent()).isEqualTo(delivery.spilled());
            assertThat(delivery.dropped()).isZero();
            // The budget bounds the wait for Kafka; encoding and journaling add a little of our own work,
            // and this machine's scheduling and GC noise reaches tens of ms, so 2x the budget is the bar.
            // A publisher that waited for the broker would stall for the whole outage (seconds).
            assertThat(worst / 1e6).as("slowest step's telemetry, ms").isLessThanOrEqualTo(2.0 * BUDGET.toMillis());

            List<Step> steps = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                    l -> l.stream().filter(r -> "run-outage".equals(key(r))).count() >= STEPS, Duration.ofSeconds(60))
                    .stream().filter(r -> "run-outage".equals(key(r))).map(r -> WireRecords.decodeStep(r.value())).toList();
            assertThat(steps).extracting(Step::getStep)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, STEPS).boxed().toList());
        } finally {
            kafka.close();
        }
    }

    private static String key(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }
}
