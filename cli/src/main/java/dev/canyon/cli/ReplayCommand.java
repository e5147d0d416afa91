package dev.canyon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.job.StepAnalyticsMain;
import dev.canyon.report.RecordingReader;
import dev.canyon.stack.LocalStack;
import dev.canyon.storage.InfluxConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon replay}: the analytics job, bounded, over recorded topics. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays recorded step records through the analytics job (bounded: up to the end of the topic at start) "
                + "into InfluxDB; the points equal the live run's. Without --bootstrap-servers it replays the local stack's data "
                + "(--data-dir), starting Kafka and influxd on it."})
final class ReplayCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", description = "Local stack data to replay (default: $CANYON_DATA_DIR or ./.canyon).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", description = "Replay from this Kafka cluster instead of the local stack.")
    String bootstrapServers;

    /** With --bootstrap-servers: the file's and the command line's; on the local stack's data only the command line's. */
    @picocli.CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--influx-url", description = "With --bootstrap-servers (required there): the InfluxDB 1.x HTTP API to "
            + "write to, e.g. http://localhost:8086 (credentials: $CANYON_INFLUX_USER, $CANYON_INFLUX_PASSWORD). Without "
            + "--bootstrap-servers the local stack's influxd is used (default: none).")
    String influxUrl;

    @Option(names = "--influx-db", defaultValue = "canyon", description = "Database to write (default: ${DEFAULT-VALUE}; "
            + "the same database overwrites the live points with identical ones).")
    String database;

    @Option(names = "--from", description = "First record time: ISO-8601 instant (2026-11-22T21:00:00Z) or ms since the epoch "
            + "(default: the beginning).")
    String from;

    @Option(names = "--run", description = "Only this run.")
    String run;

    @Option(names = "--experiment", description = "Only this experiment.")
    String experiment;

    @Option(names = "--json", description = "End with one JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long fromMs = Canyon.usage(spec, () -> {
            try {
                return from == null ? -1 : from.chars().allMatch(Character::isDigit) ? Long.parseLong(from) : Instant.parse(from).toEpochMilli();
            } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
                throw new IllegalArgumentException("--from must be an ISO-8601 instant such as 2026-11-22T21:00:00Z or milliseconds "
                        + "since the epoch, got '" + from + "'");
            }
        });
        Replay.Summary summary;
        if (bootstrapServers != null) {
            if (influxUrl == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bootstrap-servers needs --influx-url: the "
                        + "InfluxDB 1.x HTTP API to write the replayed points to, e.g. --influx-url http://localhost:8086");
            }
            Map<String, String> env = System.getenv();
            InfluxConfig influx = InfluxConfig.of(influxUrl).withDatabase(database).withCredentials(
                    env.getOrDefault("CANYON_INFLUX_USER", ""), env.getOrDefault("CANYON_INFLUX_PASSWORD", ""));
            requireRecorded(bootstrapServers, kafka.clientProperties(), "at " + bootstrapServers,
                    "--bootstrap-servers " + bootstrapServers);
            summary = Replay.run(new Replay.Options(bootstrapServers, kafka.clientProperties(), influx, fromMs, run, experiment),
                    System.err);
        } else {
            Path dir = DataDirs.recorded(dataDir, "");
            try (LocalStack stack = DataDirs.startStack(dir, 0, 0)) {
                requireRecorded(stack.kafka().bootstrapServers(), kafka.commandLineProperties(), "in the local stack's data " + dir,
                        "--data-dir " + dir);
                summary = Replay.run(new Replay.Options(stack.kafka().bootstrapServers(), kafka.commandLineProperties(),
                        InfluxConfig.of(stack.influxd().url()).withDatabase(database), fromMs, run, experiment), System.err);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps_replayed", summary.stepsReplayed());
        out.put("seconds", summary.seconds());
        out.put("steps_per_second", summary.stepsPerSecond());
        out.put("database", summary.database());
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("replayed %d steps in %.1f s (%.0f steps/s) into database '%s'%n", summary.stepsReplayed(),
                    summary.seconds(), summary.stepsPerSecond(), summary.database());
        }
        return 0;
    }

    /**
     * That the runs topic holds runs, and with --run or --experiment the selected one's run-started record, else a failure
     * that says what was read ({@code where}), what it holds, and how to list the runs ({@code source}: the options that
     * read the same data).
     */
    private void requireRecorded(String bootstrap, Map<String, String> kafkaProperties, String where, String source) {
        // Read even without a selection: a Kafka that does not answer fails here, in seconds, not in the job.
        RecordingReader reader = new RecordingReader(bootstrap, kafkaProperties, StepAnalyticsMain.analytics(System.getenv()));
        List<RecordingReader.RunInfo> runs = reader.runs((phase, done, total) -> {});
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs recorded on topic " + dev.canyon.contract.Topics.RUNS + " " + where
                    + ": nothing to replay (train first: ./canyon train, or ./canyon demo)");
        }
        for (RecordingReader.Selection selection : new RecordingReader.Selection[] {
                run == null ? null : new RecordingReader.Selection(run, null),
                experiment == null ? null : new RecordingReader.Selection(null, experiment)}) {
            if (selection != null && !RecordingReader.matches(selection, runs)) {
                throw new IllegalArgumentException(RecordingReader.notFound(selection, runs, where) + "; nothing to replay. "
                        + "./canyon report --list " + source + " lists the recorded runs.");
            }
        }
    }
}
