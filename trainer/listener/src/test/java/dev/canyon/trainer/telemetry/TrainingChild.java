package dev.canyon.trainer.telemetry;

import dev.canyon.contract.VectorRepresentation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A training program of its own (run in a child JVM by {@link JournalAcrossProcessesTest}): announces
 * the run and waits for it to be delivered, trains {@code before} steps with the Kafka sink, waits until they are delivered and says so, waits for a
 * line on stdin (the test stops the broker meanwhile), trains {@code after} more steps, closes the
 * listener, prints its delivery report and exits 0.
 *
 * <p>Arguments: bootstrap servers, journal folder, run id, before, after, close budget in ms.
 */
final class TrainingChild {
    static final String PREFIX = "CANYON-CHILD ";

    private TrainingChild() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        Path journalDir = Path.of(args[1]);
        String run = args[2];
        int before = Integer.parseInt(args[3]);
        int after = Integer.parseInt(args[4]);
        Duration closeBudget = Duration.ofMillis(Long.parseLong(args[5]));
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(bootstrap).run("exp-journal", run)
                .vectors(VectorRepresentation.sketch(64)).journalDir(journalDir).inFlightBytes(8 * 1024).closeTimeout(closeBudget)
                .background(false).build();
        MultiLayerNetwork net = SmallMlp.network(8, 0.05, 7);
        TelemetryListener listener = TelemetryListener.attach(net, config, RunDescription.unknown());
        SmallMlp.Batches batches = new SmallMlp.Batches(16, 7);
        // Run-started delivered first, so that nothing journals before the broker stops (the in-flight bound is tiny).
        listener.flush(Duration.ofSeconds(60));
        for (int i = 0; i < before; i++) {
            net.fit(batches.next());
        }
        System.out.println(PREFIX + "flushed " + listener.flush(Duration.ofSeconds(60)));
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        for (int i = 0; i < after; i++) {
            net.fit(batches.next());
        }
        long t0 = System.nanoTime();
        listener.close();
        long closeMillis = (System.nanoTime() - t0) / 1_000_000;
        DeliveryReport r = listener.deliveryReport();
        System.out.println(PREFIX + "report attempted=" + r.attempted() + " acknowledged=" + r.acknowledged() + " spilled="
                + r.spilled() + " journaled=" + r.journaled() + " dropped=" + r.dropped() + " closeMillis=" + closeMillis
                + " journal=" + r.journal());
        System.out.flush();
        System.exit(0);
    }
}
