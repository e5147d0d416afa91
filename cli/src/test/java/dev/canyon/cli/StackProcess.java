package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code canyon stack} in a child JVM of its own (this test JVM's class path, 1 GiB heap), for tests
 * that kill it, restart it or look at its sockets: returns once it prints "Ctrl-C to stop", its output
 * lines collected as they come.
 */
final class StackProcess {
    private StackProcess() {}

    /**
     * @param options further options of {@code canyon stack} ({@code --flink-port 0}, {@code --ui-port N})
     * @param output receives every line the stack prints (synchronize on it to read)
     */
    static Process start(Path data, int kafkaPort, int influxPort, List<String> options, List<String> output, Duration timeout)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "@" + PipelineIntegrationTest.repoRoot().resolve("jvm-opens.args"), "-cp", System.getProperty("java.class.path"),
                "dev.canyon.cli.Canyon", "stack", "--data-dir", data.toString(), "--kafka-port", Integer.toString(kafkaPort),
                "--influx-port", Integer.toString(influxPort)));
        command.addAll(options);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Void> up = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.startsWith("Ctrl-C to stop")) {
                        up.complete(null);
                    }
                }
            } catch (java.io.IOException e) {
                // the process went away
            }
            up.complete(null);
        }, "stack-output");
        reader.setDaemon(true);
        reader.start();
        up.get(timeout.toSeconds(), TimeUnit.SECONDS);
        synchronized (output) {
            assertThat(p.isAlive()).as("canyon stack started; its output:%n%s", String.join("\n", output)).isTrue();
        }
        return p;
    }
}
