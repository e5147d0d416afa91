package dev.canyon.cli;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user meets it: exit codes, error messages, JSON output. */
@Tag("real")
class CanyonCommandTest {

    @TempDir
    Path dir;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** A free loopback port with nothing listening on it. */
    private static int deadPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void missingDatasetNamesTheDebianPackageBeforeStartingAnything() throws Exception {
        Path none = dir.resolve("none");
        CommandRun r = run("demo", "--fashion-mnist-dir", none.toString(), "--data-dir", dir.resolve("data").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("canyon demo: Fashion-MNIST not found").contains("in " + none).contains("dataset-fashion-mnist")
                .contains("--fashion-mnist-dir").doesNotContain("--data-dir").doesNotContain("\tat ");
        assertThat(dir.resolve("data")).doesNotExist();
        // train checks the dataset before it talks to Kafka (here: nothing listens), so the message is about the dataset.
        CommandRun train = run("train", "--fashion-mnist-dir", none.toString(), "--bootstrap-servers", "localhost:" + deadPort(),
                "--journal-dir", dir.resolve("j").toString());
        assertThat(train.exit()).isEqualTo(1);
        assertThat(train.err()).contains("canyon train: Fashion-MNIST not found").contains("--fashion-mnist-dir")
                .doesNotContain("Kafka");
    }

    /**
     * No Kafka at the address: train fails at its first call to Kafka, after the documented 5 s, with the address, the
     * timeout, Kafka's own cause (never "null") and the two ways out; exit 1.
     */
    @Test
    void trainAgainstAnUnreachableKafkaNamesTheAddressTheTimeoutTheCauseAndTheFix() throws Exception {
        String address = "localhost:" + deadPort();
        CommandRun r = run("train", "--bootstrap-servers", address, "--dataset", "deep-linear-2", "--steps", "1", "--journal-dir",
                dir.resolve("j").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("canyon train: cannot create or check Canyon's topics on " + address
                        + ": Kafka did not answer within " + dev.canyon.contract.kafka.TopicSetup.CONNECT_TIMEOUT.toSeconds() + " s (")
                .contains("Timed out waiting").contains("default.api.timeout.ms").contains("./canyon stack")
                .contains("--bootstrap-servers HOST:PORT").doesNotContain(": null").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
        // report and replay read the runs topic first, and fail the same way.
        CommandRun report = run("report", "--bootstrap-servers", address, "--list");
        assertThat(report.exit()).isEqualTo(1);
        assertThat(report.err()).contains("canyon report: cannot read topic canyon.runs on " + address + ": Kafka did not answer within")
                .contains("./canyon stack").doesNotContain(": null");
        CommandRun replay = run("replay", "--bootstrap-servers", address, "--influx-url", "http://127.0.0.1:" + deadPort());
        assertThat(replay.exit()).isEqualTo(1);
        assertThat(replay.err()).contains("canyon replay: cannot read topic canyon.runs on " + address).contains("./canyon stack");
    }

    /** Every command's and subcommand's --help text, whitespace folded to single spaces (picocli wraps lines). */
    static java.util.Map<String, String> helpTexts() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        collectHelp(Canyon.commandLine(), "canyon", out);
        return out;
    }

    private static void collectHelp(CommandLine cl, String name, java.util.Map<String, String> out) {
        out.put(name, cl.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " "));
        cl.getSubcommands().forEach((sub, child) -> {
            if (!sub.equals("help")) {
                collectHelp(child, name + " " + sub, out);
            }
        });
    }

    /**
     * The help speaks of the papers by author and title, never as "seed 000" (which collides with --seed), and
     * --lr is the learning rate of whichever optimizer trains.
     */
    @Test
    void helpNamesThePapersNotSeedNumbers() {
        java.util.Map<String, String> helps = helpTexts();
        assertThat(helps.keySet()).contains("canyon train", "canyon report", "canyon bench overhead", "canyon bench latency");
        helps.forEach((command, help) -> assertThat(help).as(command).doesNotContain("seed 0").doesNotContain("seeds'")
                .doesNotContain("SGD learning rate"));
        assertThat(helps.get("canyon train")).contains("Lipton, \"Stuck in a What? Adventures in Weight Space\", 2016")
                .contains("\"Synthetic Generation of Local Minima and Saddle Points for Neural Networks\", ICML 2017 workshop")
                .contains("--lr=<learningRate> Learning rate η of the optimizer: plain SGD in canyon demo, --optimizer (sgd, momentum or adam) in canyon train");
        assertThat(helps.get("canyon train")).contains("--seed=<seed> Random seed of the weight initialization");
    }

    /** Exit 2 is a usage error, named with the command, before anything starts; the help lists the exit codes. */
    @Test
    void invalidOptionIsAUsageError() {
        CommandRun r = run("train", "--steps", "0", "--bootstrap-servers", "localhost:1", "--no-create-topics");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("canyon train: steps must be >= 1, got 0").contains("See 'canyon train --help' for its options.")
                .doesNotContain("\tat ").doesNotContain("CANYON_DEBUG");
        CommandRun typo = run("demo", "--stepz", "3");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("canyon demo: Unknown options: '--stepz'").contains("--steps");
        CommandRun vary = run("train", "--vary", "seeds", "--bootstrap-servers", "localhost:1", "--no-create-topics");
        assertThat(vary.exit()).isEqualTo(2);
        assertThat(vary.err()).contains("--vary must be init or shuffle, got 'seeds'");
        CommandRun from = run("replay", "--data-dir", dir.toString(), "--from", "yesterday");
        assertThat(from.exit()).isEqualTo(2);
        assertThat(from.err()).contains("canyon replay: --from must be an ISO-8601 instant");
        CommandRun influx = run("replay", "--bootstrap-servers", "localhost:1");
        assertThat(influx.exit()).isEqualTo(2);
        assertThat(influx.err()).contains("--bootstrap-servers needs --influx-url").contains("e.g. --influx-url http://localhost:8086");
        CommandRun bench = run("bench", "throughput", "--runs", "0");
        assertThat(bench.exit()).isEqualTo(2);
        assertThat(bench.err()).contains("canyon bench throughput: need --runs >= 1");
        CommandRun nothing = run();
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("Usage: canyon").contains("./canyon demo");
        String help = Canyon.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(help).contains("Exit status:").contains("  0    done").contains("  1    failed").contains("  2    usage")
                .contains("  3    incomplete").contains("  130  interrupted");
    }

    /**
     * The local stack's data is in use (Kafka locks its log folder; here the test holds the lock): replay, report and demo
     * say so and how to go on before starting a broker; exit 1.
     */
    @Test
    void dataInUseIsExplainedBeforeStartingKafka() throws Exception {
        Path data = dir.resolve("data");
        Path lock = java.nio.file.Files.createDirectories(data.resolve("kafka")).resolve(".lock");
        java.nio.file.Files.createFile(lock);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = ch.lock()) {
            for (String[] args : new String[][] {{"replay", "--data-dir", data.toString()},
                    {"report", "--data-dir", data.toString(), "--list"},
                    {"demo", "--data-dir", data.toString(), "--ui-port", "0", "--steps", "1"}}) {
                CommandRun r = run(args);
                assertThat(r.exit()).as(args[0]).isEqualTo(1);
                assertThat(r.err()).as(args[0]).contains("canyon " + args[0] + ": the data in " + data.toAbsolutePath() + " is in use")
                        .contains(lock.toString()).contains("Is a canyon stack or demo already running on this folder?")
                        .contains("--bootstrap-servers localhost:9092").doesNotContain("\tat ");
            }
        }
        assertThat(data.resolve("influxdb")).doesNotExist();
    }

    /** A port the stack needs is taken: named with its option and the way out, before anything starts; exit 1. */
    @Test
    void aBusyPortIsNamedBeforeTheStackStarts() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0)) {
            int port = busy.getLocalPort();
            CommandRun r = run("stack", "--data-dir", dir.resolve("stack").toString(), "--kafka-port", "0", "--influx-port", "0",
                    "--flink-port", "0", "--ui-port", Integer.toString(port));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("canyon stack: port " + port + " (--ui-port, the live view) is in use on this machine")
                    .contains("pass --ui-port with another port (0 for a free one)");
            assertThat(dir.resolve("stack")).doesNotExist();
        }
    }

    /** Secrets never go on a command line: refused before anything runs, with the way to give them instead. */
    @Test
    void secretKafkaPropertiesAreRefusedOnTheCommandLine() {
        String jaas = "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" "
                + "password=\"hunter2\";";
        String[][] commands = {
            {"train", "--bootstrap-servers", "localhost:1", "--no-create-topics", "--steps", "1", "--kafka-property", jaas},
            {"resend", "--bootstrap-servers", "localhost:1", "--journal-dir", dir.resolve("j").toString(), "--kafka-property",
                "ssl.key.password=hunter2"},
            {"analytics", "--bootstrap-servers", "localhost:1", "--kafka-property", "security.protocol=SASL_SSL",
                "--kafka-property", "ssl.truststore.password=hunter2"},
            {"report", "--bootstrap-servers", "localhost:1", "--list", "--kafka-property", "basic.auth.user.info=u:hunter2"},
            {"replay", "--bootstrap-servers", "localhost:1", "--influx-url", "http://localhost:1", "--kafka-property",
                "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=x password=hunter2"},
        };
        for (String[] args : commands) {
            CommandRun r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(args[0]).contains("--kafka-property ").contains(": secrets are refused on the command line")
                    .contains("pass --kafka-config FILE (or set $CANYON_KAFKA_CONFIG)").doesNotContain("hunter2")
                    .doesNotContain("\tat ");
        }
        // Settings that are not secret still go.
        CommandRun ok = run("train", "--steps", "0", "--bootstrap-servers", "localhost:1", "--no-create-topics", "--kafka-property",
                "security.protocol=SASL_SSL", "--kafka-property", "sasl.mechanism=SCRAM-SHA-256");
        assertThat(ok.err()).contains("steps must be >= 1, got 0").doesNotContain("secrets");
    }

    @Test
    void influxPasswordComesFromTheEnvironmentOnly() {
        CommandRun r = run("analytics", "--influx-password", "hunter2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--influx-password is not accepted").contains("set CANYON_INFLUX_PASSWORD")
                .doesNotContain("hunter2");
        String help = Canyon.commandLine().getSubcommands().get("analytics").getUsageMessage();
        assertThat(help).doesNotContain("--influx-password").contains("--kafka-config").contains("$CANYON_INFLUX_PASSWORD");
    }

    @Test
    void theLiveViewIsOnItsDocumentedPortEverywhere() {
        CommandRun r = run("ui", "--influx-password", "hunter2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--influx-password is not accepted").doesNotContain("hunter2");
        for (String command : new String[] {"ui", "stack", "demo"}) {
            String help = Canyon.commandLine().getSubcommands().get(command).getUsageMessage();
            assertThat(help).as(command).contains("--ui-port").contains("default: " + dev.canyon.ui.LiveView.DEFAULT_PORT)
                    .contains("0 for a free one");
        }
        assertThat(Canyon.commandLine().getSubcommands().get("ui").getUsageMessage()).contains("--influx-url").contains("--influx-db")
                .contains("--bootstrap-servers").doesNotContain("--influx-password");
    }

    @Test
    void aKafkaConfigFileThatCannotBeReadIsNamed() throws Exception {
        java.nio.file.Path missing = dir.resolve("missing.properties");
        CommandRun train = run("train", "--bootstrap-servers", "localhost:1", "--steps", "1", "--dataset", "deep-linear-2",
                "--kafka-config", missing.toString(), "--journal-dir", dir.resolve("j").toString());
        assertThat(train.exit()).isEqualTo(1);
        assertThat(train.err()).contains("canyon train: Kafka client configuration file " + missing + " does not exist")
                .doesNotContain("\tat ");
        CommandRun resend = run("resend", "--bootstrap-servers", "localhost:1", "--kafka-config", dir.toString(), "--journal-dir",
                dir.resolve("j").toString());
        assertThat(resend.exit()).isEqualTo(1);
        assertThat(resend.err()).contains("Kafka client configuration file " + dir + " is not a regular file");
        java.nio.file.Path withServers = dir.resolve("servers.properties");
        java.nio.file.Files.writeString(withServers, "bootstrap.servers=elsewhere:9092\n");
        CommandRun report = run("report", "--bootstrap-servers", "localhost:1", "--list", "--kafka-config", withServers.toString());
        assertThat(report.exit()).isEqualTo(1);
        assertThat(report.err()).contains(withServers + " sets bootstrap.servers");
    }

    @Test
    void trainRunsAnExperimentOfClonesAgainstABroker() throws Exception {
        try (dev.canyon.stack.EmbeddedKafka kafka = dev.canyon.stack.EmbeddedKafka.start(dir.resolve("kafka"))) {
            CommandRun r = run("train", "--bootstrap-servers", kafka.bootstrapServers(), "--dataset", "deep-linear", "--optimizer",
                    "adam", "--lr", "0.01", "--runs", "2", "--clone-after-epochs", "1", "--steps", "5", "--experiment", "cli-clones",
                    "--probes", "full", "--snapshot-every", "2");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out().lines().toList()).hasSize(5);
            assertThat(r.out()).contains("parent ").contains("clone-1 ").contains("clone-2 ")
                    .contains("5 steps, 5 step records published").contains("16 steps, 16 step records published")
                    // What to do next: the experiment's figures and its live page.
                    .contains("Figures: ./canyon report --bootstrap-servers " + kafka.bootstrapServers() + " --experiment cli-clones\n")
                    .contains("Live view (while canyon stack runs): http://127.0.0.1:8070/experiment/cli-clones\n");

            // canyon report on what was recorded: the experiment's page and one section per run.
            // --list tells runs apart: experiment, start time, model, optimizer, dataset, steps and how each ended.
            CommandRun list = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--list");
            assertThat(list.exit()).as(list.err()).isZero();
            List<String> lines = list.out().lines().toList();
            assertThat(lines.get(0)).matches("RUN +EXPERIMENT +STARTED \\(UTC\\) +MODEL +OPTIMIZER +DATASET +STEPS +ENDED");
            List<String> runs = lines.stream().filter(l -> l.contains(" cli-clones ")).toList();
            assertThat(runs).hasSize(3).allSatisfy(l -> assertThat(l)
                    .matches("run-\\S+ +cli-clones +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\S+ +adam +deep-linear +(5|16) +completed"));
            assertThat(runs.get(0)).as("the parent, first to start: one epoch").contains(" 16 ");
            assertThat(runs.get(2)).as("a clone").contains(" 5 ");
            CommandRun listJson = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--list", "--json");
            assertThat(listJson.exit()).as(listJson.err()).isZero();
            JsonNode listed = new ObjectMapper().readTree(listJson.out());
            assertThat(listed).hasSize(3);
            assertThat(listed.get(0).get("experiment_id").asText()).isEqualTo("cli-clones");
            assertThat(listed.get(0).get("optimizer").asText()).isEqualTo("adam");
            assertThat(listed.get(0).get("steps").asLong()).isEqualTo(16);
            assertThat(listed.get(0).get("outcome").asText()).isEqualTo("COMPLETED");
            Path out = dir.resolve("report");
            CommandRun report = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--experiment", "cli-clones", "--out",
                    out.toString(), "--grid", "5");
            assertThat(report.exit()).as(report.err()).isZero();
            assertThat(report.out()).contains("Report of experiment cli-clones written to " + out.toAbsolutePath() + "\n")
                    .contains("Open " + out.toAbsolutePath().resolve("index.html").toUri() + "\n").contains("steps=16").contains("steps=5");
            assertThat(out.resolve("index.html")).exists();
            assertThat(out.resolve("figures/runs-distances.png")).exists();
            for (int i = 1; i <= 3; i++) {
                assertThat(out.resolve("runs/" + i + "/figures/subspace.png")).exists();
                assertThat(out.resolve("runs/" + i + "/data/training.csv")).exists();
            }

            // A selection that matches nothing says what there is.
            CommandRun none = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--experiment", "nope", "--out",
                    dir.resolve("none").toString());
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.err()).contains("no run-started record for experiment nope").contains("experiment 'cli-clones'")
                    .doesNotContain("\tat ");
            // Without --out: under ~/.local/share/canyon/reports (here with the home folder moved to the test's), never the
            // current folder.
            if (System.getenv("XDG_DATA_HOME") == null) {
                String home = System.getProperty("user.home");
                System.setProperty("user.home", dir.toString());
                try {
                    String parent = listed.get(0).get("run_id").asText();
                    CommandRun byDefault = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--run", parent, "--grid", "0",
                            "--json");
                    assertThat(byDefault.exit()).as(byDefault.err()).isZero();
                    Path expected = dir.resolve(".local/share/canyon/reports").resolve(parent);
                    assertThat(expected.resolve("index.html")).isRegularFile();
                    assertThat(byDefault.err()).contains("written to " + expected).contains("Open " + expected.resolve("index.html").toUri());
                    assertThat(new ObjectMapper().readTree(byDefault.out()).get("runs").get(0).get("steps").asInt()).isEqualTo(16);
                } finally {
                    System.setProperty("user.home", home);
                }
            }
            CommandRun both = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--run", "a", "--experiment", "b");
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).contains("mutually exclusive");
        }
    }

    /**
     * replay of a run or an experiment the runs topic does not hold: nothing is replayed (InfluxDB is not even
     * reached: the URL goes nowhere), the message names the id, the topic and the cluster read, what the topic holds,
     * and how to list the runs; exit 1.
     */
    @Test
    void replayOfARunThatWasNeverRecordedSaysSoAndFails() throws Exception {
        try (dev.canyon.stack.EmbeddedKafka kafka = dev.canyon.stack.EmbeddedKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            CommandRun train = run("train", "--bootstrap-servers", bootstrap, "--dataset", "deep-linear-2", "--steps", "3", "--probes",
                    "off", "--experiment", "recorded", "--journal-dir", dir.resolve("j").toString());
            assertThat(train.exit()).as(train.err()).isZero();
            String influx = "http://127.0.0.1:" + deadPort();
            CommandRun r = run("replay", "--bootstrap-servers", bootstrap, "--influx-url", influx, "--run", "no-such-run");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("canyon replay: no run-started record for run no-such-run on topic canyon.runs at " + bootstrap)
                    .contains("experiment 'recorded': runs [run-").contains("nothing to replay")
                    .contains("./canyon report --list --bootstrap-servers " + bootstrap).doesNotContain("\tat ");
            assertThat(r.out()).doesNotContain("replayed");
            CommandRun e = run("replay", "--bootstrap-servers", bootstrap, "--influx-url", influx, "--experiment", "nope", "--json");
            assertThat(e.exit()).isEqualTo(1);
            assertThat(e.err()).contains("no run-started record for experiment nope on topic canyon.runs at " + bootstrap);
            assertThat(e.out()).isEmpty();
        }
    }

    @Test
    void reportsGoUnderTheUsersDataFolderByDefault() {
        Path home = Path.of("/home/u");
        assertThat(ReportCommand.defaultOut("run-1", java.util.Map.of(), home)).isEqualTo(Path.of("/home/u/.local/share/canyon/reports/run-1"));
        assertThat(ReportCommand.defaultOut("my exp/1", java.util.Map.of("XDG_DATA_HOME", "/data"), home))
                .isEqualTo(Path.of("/data/canyon/reports/my_exp_1"));
        // A relative XDG_DATA_HOME is ignored, as the XDG specification says.
        assertThat(ReportCommand.defaultOut("e", java.util.Map.of("XDG_DATA_HOME", "rel"), home))
                .isEqualTo(Path.of("/home/u/.local/share/canyon/reports/e"));
    }

    /** A cluster where no run ever took a snapshot may lack the snapshots topic: the report reads it as empty. */
    @Test
    void reportWithoutASnapshotsTopic() throws Exception {
        try (dev.canyon.stack.EmbeddedKafka kafka = dev.canyon.stack.EmbeddedKafka.start(dir.resolve("kafka"));
                org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                        java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(dev.canyon.contract.Topics.RUNS, 1, (short) 1),
                    new org.apache.kafka.clients.admin.NewTopic(dev.canyon.contract.Topics.STEPS, 1, (short) 1))).all().get();
            CommandRun train = run("train", "--bootstrap-servers", kafka.bootstrapServers(), "--no-create-topics", "--dataset", "deep-linear-2",
                    "--steps", "60", "--probes", "off", "--experiment", "no-snapshots");
            assertThat(train.exit()).as(train.err()).isZero();
            CommandRun report = run("report", "--bootstrap-servers", kafka.bootstrapServers(), "--experiment", "no-snapshots", "--out",
                    dir.resolve("report").toString(), "--json");
            assertThat(report.exit()).as(report.err()).isZero();
            JsonNode summary = new ObjectMapper().readTree(report.out());
            assertThat(summary.get("runs").get(0).get("steps").asInt()).isEqualTo(60);
            assertThat(summary.get("problems").toString()).contains("0 weight snapshot(s) recorded");
            assertThat(admin.listTopics().names().get()).doesNotContain(dev.canyon.contract.Topics.SNAPSHOTS);
        }
    }

    @Test
    void demoJsonIsOneObjectWithTheSummaryFields() throws Exception {
        CommandRun r = run("demo", "--steps", "20", "--train-examples", "2000", "--hidden", "16", "--json", "--snapshot-every", "10",
                "--data-dir", dir.resolve("data").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode json = new ObjectMapper().readTree(lines[0]);
        // The fields README lists, in its order.
        assertThat(json.fieldNames()).toIterable().containsExactly("run_id", "experiment_id", "parameters", "steps_trained",
                "steps_published", "steps_stored", "points_per_measurement", "analytics", "training_loss", "training_loss_examples",
                "last_minibatch_loss", "path_length", "displacement", "distance_from_origin", "seconds", "data_dir", "kafka_log_dir",
                "influxdb_data_dir", "influxdb_database", "flink_checkpoint_dir");
        // The headline loss is the final weights' re-evaluated over the 2,000 loaded examples, not one minibatch's.
        assertThat(json.get("training_loss_examples").asInt()).isEqualTo(2000);
        assertThat(json.get("training_loss").asDouble()).isPositive().isNotEqualTo(json.get("last_minibatch_loss").asDouble());
        assertThat(json.get("steps_published").asLong()).isEqualTo(20);
        assertThat(json.get("steps_stored").asLong()).isEqualTo(20);
        assertThat(json.get("path_length").asDouble()).isGreaterThanOrEqualTo(json.get("displacement").asDouble()).isPositive();
        assertThat(Path.of(json.get("kafka_log_dir").asText())).isDirectory();

        // The demo's data, reported without a running stack: Kafka is started on the kept log.
        Path out = dir.resolve("demo-report");
        CommandRun report = run("report", "--data-dir", dir.resolve("data").toString(), "--run", json.get("run_id").asText(), "--out",
                out.toString(), "--grid", "3", "--eval-examples", "64", "--json");
        assertThat(report.exit()).as(report.err()).isZero();
        JsonNode summary = new ObjectMapper().readTree(report.out());
        assertThat(summary.get("problems")).isEmpty();
        assertThat(summary.get("runs").get(0).get("snapshots").asInt()).isEqualTo(3);
        assertThat(out.resolve("figures/subspace.png")).exists();
        CommandRun missing = run("report", "--data-dir", dir.resolve("nothing").toString(), "--run", "x");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no recorded data in").contains("--bootstrap-servers");
    }
}
