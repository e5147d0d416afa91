package dev.canyon.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the trainer benchmarks of the bench module (bench/target/canyon-bench.jar) in a child JVM:
 * DL4J's StatsListener, their baseline, needs a classpath the product cannot have. The child gets
 * this JVM's options (heap, opens, the Vector API), except a flight recording's, which would
 * collide with this JVM's own file, and a C1-only setting (the launcher's for the stream benchmarks):
 * the Vector API is only fast once C2 has compiled it.
 */
final class TrainerBench {
    private TrainerBench() {}

    /** The benchmark jar: under the Canyon checkout ({@code canyon.home}, set by the launcher, or found from this jar). */
    static Path jar() {
        String home = System.getProperty("canyon.home");
        Path root;
        if (home != null) {
            root = Path.of(home);
        } else {
            try {
                // cli/target/canyon.jar (or cli/target/classes) -> the checkout.
                Path self = Path.of(TrainerBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                root = self.getParent().getParent().getParent();
            } catch (URISyntaxException | RuntimeException e) {
                root = Path.of(".");
            }
        }
        Path jar = root.resolve("bench/target/canyon-bench.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the trainer benchmarks are not built: " + jar + " is missing; build them with "
                    + "./mvnw -B -DskipTests install (from the Canyon checkout)");
        }
        return jar;
    }

    /** The child's command line for {@code args}. */
    static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-XX:FlightRecorderOptions")
                    && !a.startsWith("-agentlib:jdwp") && !a.startsWith("-XX:TieredStopAtLevel")) {
                cmd.add(a);
            }
        }
        if (cmd.stream().noneMatch(a -> a.contains("jdk.incubator.vector"))) {
            cmd.add("--add-modules=jdk.incubator.vector");
        }
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** Runs the benchmark with its output on this process's standard streams; its exit code. */
    static int run(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(args)).inheritIO().start();
        return p.waitFor();
    }

    /** Runs the benchmark with {@code --json} and returns its standard output (its progress goes to this stderr). */
    static String json(List<String> args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(args);
        all.add("--json");
        Process p = new ProcessBuilder(command(all)).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException("the trainer benchmark failed (exit code " + rc + ")");
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
