package dev.canyon.trainer.it;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.TopicContents;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener as a user gets it: {@code trainer/listener-consumer}, a Maven project outside the
 * reactor that declares nothing but {@code canyon-listener} and its own ND4J backend, is built by a
 * nested Maven run against this build's artifacts, trains a ComputationGraph with Adam while
 * publishing to a real (embedded) broker, and its resolved dependency tree is checked: nothing of
 * an ND4J backend, no native libraries, nothing of Flink, InfluxDB or Canyon's other modules comes
 * through the listener.
 *
 * <p>The nested build's local repository is a chain: a head under this module's {@code target/}
 * (holding this build's Canyon artifacts, copied fresh every run, and whatever Maven downloads) and,
 * as its tail, the repository of the outer build, which is never written. Maven runs online: on a
 * machine whose repository already holds everything it downloads nothing. Needs the packaged jars
 * ({@code verify}); under {@code test} it skips.
 */
@Tag("real")
class ListenerConsumerTest {
    static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(5);
    static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);
    static final int STEPS = 30;

    /** A classifier naming a platform, as javacpp and the ND4J backends publish their native libraries. */
    static final Pattern PLATFORM = Pattern.compile("(?i)(linux|windows|macosx|android|ios)(-.*)?|.*-(x86_64|x86|arm64|armhf|aarch64|ppc64le)(-.*)?");

    @TempDir
    Path dir;

    @Test
    void aUsersProjectTrainsWithTheListenerAndGetsNoBackendThroughIt() throws Exception {
        Path listenerJar = packagedJar(TelemetryListener.class);
        Path contractJar = packagedJar(WireRecords.class);
        Path kernelsJar = packagedJar(CountSketch.class);
        Path root = repositoryRoot();
        String version = System.getProperty("canyon.project.version", "0.1.0-SNAPSHOT");

        // The nested build's repository: this build's artifacts in the head, the outer repository as the tail.
        Path head = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("target/consumer-repository");
        deleteTree(head.resolve("dev/canyon"));
        install(head, "canyon-parent", version, root.resolve("pom.xml"), null);
        install(head, "canyon-trainer-parent", version, root.resolve("trainer/pom.xml"), null);
        install(head, "canyon-listener", version, root.resolve("trainer/listener/pom.xml"), listenerJar);
        install(head, "canyon-contract", version, root.resolve("contract/pom.xml"), contractJar);
        install(head, "canyon-stream-analytics", version, root.resolve("stream-analytics/pom.xml"), null);
        install(head, "canyon-kernels", version, root.resolve("stream-analytics/kernels/pom.xml"), kernelsJar);
        Path tail = Path.of(System.getProperty("canyon.maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));

        Path project = dir.resolve("listener-consumer");
        copyTree(root.resolve("trainer/listener-consumer"), project);
        Path tree = dir.resolve("dependency-tree.txt");
        Path classpath = dir.resolve("classpath.txt");
        ProcessBuilder nested = new ProcessBuilder(List.of(root.resolve("mvnw").toString(), "-B", "-q",
                "-f", project.resolve("pom.xml").toString(), "-Dmaven.repo.local=" + head, "-Dmaven.repo.local.tail=" + tail,
                "dependency:tree", "-Dverbose", "-DoutputFile=" + tree,
                "dependency:build-classpath", "-Dmdep.outputFile=" + classpath, "compile"))
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("maven.log").toFile());
        nested.environment().put("JAVA_HOME", System.getProperty("java.home"));
        nested.environment().remove("MAVEN_ARGS");
        long mavenStart = System.nanoTime();
        Process maven = nested.start();
        int mavenExit = await(maven, MAVEN_TIMEOUT, dir.resolve("maven.log"), "the nested Maven build of listener-consumer");
        assertThat(mavenExit).as("nested Maven build of listener-consumer failed:%n%s", read(dir.resolve("maven.log"))).isZero();
        System.out.printf("nested Maven build: %.1f s%n", (System.nanoTime() - mavenStart) / 1e9);

        // Its dependencies: what the user declared, and nothing of a backend through the listener.
        List<Node> nodes = parseTree(Files.readAllLines(tree));
        assertThat(nodes.stream().filter(n -> n.depth() == 1).map(Node::key))
                .as("the project's own dependencies (tree:%n%s)", read(tree))
                .containsExactlyInAnyOrder("dev.canyon:canyon-listener", "org.nd4j:nd4j-native", "org.nd4j:nd4j-native:linux-x86_64");
        List<Node> throughListener = subtree(nodes, "dev.canyon:canyon-listener");
        assertThat(throughListener).as("the listener's dependencies").isNotEmpty();
        List<String> offending = new ArrayList<>();
        for (Node n : throughListener) {
            String why = forbidden(n);
            if (why != null) {
                offending.add(n.line().strip() + "  <- " + why);
            }
        }
        assertThat(offending).as("comes through canyon-listener (dependency tree:%n%s)", read(tree)).isEmpty();
        String cp = Files.readString(classpath).strip();
        assertThat(cp).as("the listener on the classpath is this build's").contains(head.resolve("dev/canyon/canyon-listener").toString());
        assertThat(cp.split(File.pathSeparator)).noneMatch(p -> p.contains("flink") || p.contains("influxdb")
                || p.contains("canyon-report") || p.contains("canyon-storage") || p.contains("canyon-examples"));

        // The listener jar holds the listener's own packages and nothing else.
        try (JarFile jar = new JarFile(listenerJar.toFile())) {
            List<String> strays = jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class"))
                    .filter(n -> !n.startsWith("dev/canyon/trainer/telemetry/") && !n.startsWith("dev/canyon/trainer/probe/"))
                    .toList();
            assertThat(strays).as("classes in %s outside dev/canyon/trainer/{telemetry,probe}", listenerJar.getFileName()).isEmpty();
        }

        // Run it: train with telemetry to a real broker.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            String runId = "run-consumer-" + Long.toString(System.currentTimeMillis(), 36);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx1g");
            // The JDK-internal opens ND4J needs, from the one list every Canyon JVM takes.
            command.add("@" + root.resolve("jvm-opens.args"));
            command.addAll(List.of("-cp", project.resolve("target/classes") + File.pathSeparator + cp,
                    "dev.canyon.example.TrainWithTelemetry", kafka.bootstrapServers(), runId));
            Path log = dir.resolve("training.log");
            Process training = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int exit = await(training, TRAINING_TIMEOUT, log, "the listener-consumer training");
            assertThat(exit).as("listener-consumer exit status; its output:%n%s", read(log)).isZero();

            List<WireRecords.Decoded> lifecycle = TopicContents.read(kafka.bootstrapServers(), Topics.RUNS,
                    l -> l.stream().filter(r -> runId.equals(key(r))).count() >= 2, Duration.ofSeconds(30))
                    .stream().filter(r -> runId.equals(key(r))).map(r -> WireRecords.decode(r.value())).toList();
            assertThat(lifecycle).as("run records of %s (training output:%n%s)", runId, read(log)).hasSize(2);
            assertThat(lifecycle.get(0)).isInstanceOf(WireRecords.DecodedRunStarted.class);
            RunStarted started = ((WireRecords.DecodedRunStarted) lifecycle.get(0)).record();
            assertThat(started.getExperimentId()).isEqualTo("listener-consumer");
            assertThat(started.getParameterCount()).isEqualTo((20 + 1) * 16 + (16 + 1) * 3);
            assertThat(lifecycle.get(1)).isInstanceOf(WireRecords.DecodedRunEnded.class);
            RunEnded ended = ((WireRecords.DecodedRunEnded) lifecycle.get(1)).record();
            assertThat(ended.getOutcome()).isEqualTo(RunEnded.Outcome.COMPLETED);
            assertThat(ended.getSteps()).isGreaterThanOrEqualTo(STEPS);
            assertThat(ended.getHealth().getDropped()).isZero();

            List<Step> steps = TopicContents.read(kafka.bootstrapServers(), Topics.STEPS,
                    l -> l.stream().filter(r -> runId.equals(key(r))).count() >= ended.getSteps(), Duration.ofSeconds(30))
                    .stream().filter(r -> runId.equals(key(r))).map(r -> WireRecords.decodeStep(r.value())).toList();
            assertThat(steps).extracting(Step::getStep)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, ended.getSteps()).boxed().toList());
            // Adam: a learning rate, and Δθ the real change of the parameters (non-zero).
            assertThat(steps).allSatisfy(s -> {
                assertThat(s.getLearningRate()).isEqualTo(1e-2);
                assertThat(s.getScalars().getDeltaNorm()).isPositive();
                assertThat(s.getBatchSize()).isEqualTo(32);
            });
        }
    }

    /** Why a dependency must not come through the listener, or null when it may. */
    static String forbidden(Node n) {
        String g = n.groupId();
        String a = n.artifactId();
        if (g.equals("org.nd4j") && (a.startsWith("nd4j-native") || a.startsWith("nd4j-cuda") || a.startsWith("nd4j-backend"))) {
            return "an ND4J backend";
        }
        if (g.equals("org.bytedeco") && (a.equals("openblas") || n.classifier() != null)) {
            return "native libraries";
        }
        if (n.classifier() != null && PLATFORM.matcher(n.classifier()).matches()) {
            return "native libraries (platform classifier)";
        }
        if (g.startsWith("org.apache.flink")) {
            return "Flink";
        }
        if (g.startsWith("org.influxdb") || g.startsWith("com.influxdb")) {
            return "InfluxDB";
        }
        if (g.equals("dev.canyon") && List.of("canyon-report", "canyon-storage", "canyon-stream-job", "canyon-analytics",
                "canyon-examples", "canyon-local-stack", "canyon-cli").contains(a)) {
            return "a Canyon module that is not the listener's";
        }
        return null;
    }

    /** One line of a {@code dependency:tree} (verbose: omitted nodes in parentheses count too). */
    record Node(int depth, String groupId, String artifactId, String classifier, String line) {
        String key() {
            return groupId + ":" + artifactId + (classifier == null ? "" : ":" + classifier);
        }
    }

    /** Parses {@code group:artifact:type[:classifier]:version[:scope]} lines indented by "|  ", "+- ", "\- ". */
    static List<Node> parseTree(List<String> lines) {
        List<Node> nodes = new ArrayList<>();
        for (String line : lines) {
            int i = 0;
            while (i < line.length() && "|+\\- ".indexOf(line.charAt(i)) >= 0) {
                i++;
            }
            if (i >= line.length()) {
                continue;
            }
            String coords = line.substring(i);
            if (coords.startsWith("(")) {
                coords = coords.substring(1, coords.indexOf(')') > 0 ? coords.indexOf(')') : coords.length());
                int note = coords.indexOf(" - ");
                if (note > 0) {
                    coords = coords.substring(0, note);
                }
            }
            coords = coords.split(" ")[0];
            String[] p = coords.split(":");
            if (p.length < 4) {
                throw new IllegalStateException("not a dependency:tree line: '" + line + "'");
            }
            String classifier = p.length >= 6 ? p[3] : null;
            nodes.add(new Node(i / 3, p[0], p[1], classifier, line));
        }
        return nodes;
    }

    /** The nodes under the first node whose key is {@code key} (not the node itself). */
    static List<Node> subtree(List<Node> nodes, String key) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).key().equals(key)) {
                int depth = nodes.get(i).depth();
                List<Node> out = new ArrayList<>();
                for (int j = i + 1; j < nodes.size() && nodes.get(j).depth() > depth; j++) {
                    out.add(nodes.get(j));
                }
                return out;
            }
        }
        throw new AssertionError("no " + key + " in the dependency tree");
    }

    /** The packaged jar that holds {@code c}; skips the test when this build has not packaged it (a test run). */
    static Path packagedJar(Class<?> c) throws Exception {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        Assumptions.assumeTrue(Files.isRegularFile(p) && p.toString().endsWith(".jar") && p.getParent().getFileName().toString().equals("target"),
                () -> c.getSimpleName() + " comes from " + p + ", not from a jar this build packaged: the external-project test needs "
                        + "the reactor's jars, run it with ./mvnw verify (not test)");
        return p;
    }

    /** The repository root: where the outer build started (canyon.repo.root), else the folder above that holds mvnw. */
    static Path repositoryRoot() {
        String configured = System.getProperty("canyon.repo.root");
        if (configured != null && Files.isRegularFile(Path.of(configured, "trainer/listener-consumer/pom.xml"))) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("trainer/listener-consumer/pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (mvnw and trainer/listener-consumer) above "
                + Path.of("").toAbsolutePath());
    }

    /** Puts {@code pom} (and {@code jar}) into {@code repo} where Maven looks for dev.canyon:artifact:version. */
    static void install(Path repo, String artifact, String version, Path pom, Path jar) throws IOException {
        Path folder = repo.resolve("dev/canyon").resolve(artifact).resolve(version);
        Files.createDirectories(folder);
        Files.copy(pom, folder.resolve(artifact + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, folder.resolve(artifact + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Waits for {@code p}; on timeout kills it and fails with its output so far. */
    static int await(Process p, Duration timeout, Path log, String what) throws InterruptedException {
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            fail(what + " did not finish within " + timeout.toSeconds() + " s; its output:\n" + read(log));
        }
        return p.exitValue();
    }

    static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(f -> !from.relativize(f).startsWith("target")).toList()) {
                Path dest = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }
}
