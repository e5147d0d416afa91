package dev.canyon.stack;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("real")
class InfluxdProcessTest {

    @TempDir
    Path dir;

    @Test
    void startsAnswersAndStopsWithDataKept() {
        String url;
        try (InfluxdProcess influxd = InfluxdProcess.start(dir)) {
            assertThat(influxd.ping()).isTrue();
            url = influxd.url();
            influxd.stop();
            assertThat(influxd.isRunning()).isFalse();
            assertThat(influxd.ping()).isFalse();
            influxd.restart();
            assertThat(influxd.url()).isEqualTo(url);
            assertThat(influxd.ping()).isTrue();
        }
        assertThat(Files.isDirectory(dir.resolve("meta"))).isTrue();
        assertThat(influxdProcessesUsing(dir)).isEmpty();
    }

    /** A JVM killed with SIGKILL runs no shutdown hook; its influxd must still go away. */
    @Test
    void influxdDiesWithAKilledJvm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                InfluxdHolder.class.getName(), dir.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY")) {
            // start-up logging
        }
        assertThat(line).as("holder JVM reported READY").startsWith("READY");
        assertThat(influxdProcessesUsing(dir)).hasSize(1);

        jvm.destroyForcibly();
        jvm.waitFor(10, TimeUnit.SECONDS);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!influxdProcessesUsing(dir).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(influxdProcessesUsing(dir)).as("influxd left behind by a killed JVM").isEmpty();
    }

    @Test
    void missingBinaryNamesThePackage() {
        String old = System.getProperty(InfluxdProcess.BINARY_PROPERTY);
        System.setProperty(InfluxdProcess.BINARY_PROPERTY, dir.resolve("nope").toString());
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> InfluxdProcess.start(dir))
                    .hasMessageContaining("not executable");
        } finally {
            if (old == null) {
                System.clearProperty(InfluxdProcess.BINARY_PROPERTY);
            } else {
                System.setProperty(InfluxdProcess.BINARY_PROPERTY, old);
            }
        }
    }

    private static List<ProcessHandle> influxdProcessesUsing(Path dir) {
        String marker = dir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(h -> {
                    Optional<String> cmd = h.info().command();
                    Optional<String> args = h.info().arguments().map(a -> String.join(" ", a));
                    return cmd.map(c -> c.endsWith("influxd")).orElse(false)
                            && args.map(a -> a.contains(marker)).orElse(false);
                })
                .toList();
    }

    /** Runs in a separate JVM: starts influxd and waits to be killed. */
    public static final class InfluxdHolder {
        public static void main(String[] args) throws Exception {
            InfluxdProcess.start(Path.of(args[0]));
            System.out.println("READY");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
