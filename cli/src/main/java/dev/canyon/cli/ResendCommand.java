package dev.canyon.cli;

import dev.canyon.trainer.telemetry.Journals;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon resend}: re-sends the telemetry that training processes left in their journals. */
@Command(name = "resend", mixinStandardHelpOptions = true,
        description = {"Re-sends the telemetry records that wait in journals: records Kafka had not acknowledged when a "
                + "training process closed its listener or ended. Each journal goes in order, oldest first, and is deleted "
                + "once Kafka acknowledged all of it; a journal that cannot go keeps exactly what was not acknowledged. "
                + "(A listener started with the same journal folder and bootstrap servers does the same in the background.)",
                "Journals written for other bootstrap servers are left alone unless --any-cluster; journals a running "
                        + "process holds are left to it.",
                "Exit status: 0 when every journal was delivered (or there was none), 3 when some remain (each is listed with "
                        + "the reason), 1 on error."})
final class ResendCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default: $CANYON_KAFKA or ${DEFAULT-VALUE}).",
            defaultValue = "${env:CANYON_KAFKA:-localhost:9092}")
    String bootstrapServers;

    @picocli.CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--journal-dir", description = "The journal folder (default: $CANYON_JOURNAL_DIR, else "
            + "$XDG_STATE_HOME/canyon/journal, else ~/.local/state/canyon/journal).")
    Path journalDir;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long to wait for Kafka in all (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--any-cluster", description = "Also re-send journals written for other bootstrap servers, to this cluster.")
    boolean anyCluster;

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        Path dir = journalDir != null ? journalDir : Journals.defaultDirectory();
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(bootstrapServers).kafkaPropertiesFrom(kafka.config)
                .kafkaProperties(kafka.commandLineProperties())
                .journalDir(dir).build();
        List<Journals.Outcome> outcomes = Journals.resend(config, Duration.ofSeconds(timeoutSeconds), anyCluster);
        if (outcomes.isEmpty()) {
            System.out.println("No telemetry journals in " + config.journalDir());
            return 0;
        }
        int left = 0;
        Set<String> otherClusters = new LinkedHashSet<>();
        for (Journals.Outcome o : outcomes) {
            String run = o.runId() == null ? "?" : o.runId();
            if (o.delivered()) {
                System.out.printf("sent run %s: %,d records, %,d bytes (journal %s deleted)%n", run, o.records(), o.bytes(), o.file());
            } else {
                left++;
                System.out.printf("left run %s: %,d records remain in %s (%,d records, %,d bytes sent): %s%n", run, o.remaining(),
                        o.file(), o.records(), o.bytes(), o.problem());
                if (o.bootstrapServers() != null && !o.bootstrapServers().equals(bootstrapServers) && !anyCluster) {
                    otherClusters.add(o.bootstrapServers());
                }
            }
            if (o.corruptBytes() > 0) {
                System.out.printf("         %,d unreadable bytes at its end (a process killed while writing?) are kept in %s%n",
                        o.corruptBytes(), o.corruptFile());
            }
        }
        if (left == 0) {
            System.out.printf("All %d journals delivered to Kafka at %s%n", outcomes.size(), bootstrapServers);
            return 0;
        }
        System.out.printf("%d of %d journals remain in %s%n", left, outcomes.size(), config.journalDir());
        for (String other : otherClusters) {
            System.out.printf("  for Kafka at %s: canyon resend --bootstrap-servers %s (or --any-cluster to send them to %s)%n",
                    other, other, bootstrapServers);
        }
        return Canyon.INCOMPLETE;
    }
}
