package dev.canyon.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfluxDB 1.x ({@code influxd} from Debian's {@code influxdb} package) as a child process on free
 * loopback ports, with its data in a directory of ours.
 *
 * <p>A crashed or killed JVM never leaves {@code influxd} behind: the child runs under a small
 * shell guard that holds the read end of a pipe from this JVM and kills {@code influxd} as soon as
 * that pipe closes, which the kernel does when the JVM dies for any reason (even SIGKILL, when no
 * shutdown hook runs).
 */
public final class InfluxdProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InfluxdProcess.class);

    /** Environment variable or system property naming the influxd binary. */
    public static final String BINARY_PROPERTY = "canyon.influxd";
    private static final String DEFAULT_BINARY = "/usr/bin/influxd";

    // The guard: influxd runs in the background; a watcher reads the JVM's pipe (fd 3, a copy of
    // stdin) until EOF and then terminates influxd. The shell waits for influxd and exits with it.
    private static final String GUARD = String.join("\n",
            "exec 3<&0",
            "\"$0\" run -config \"$1\" </dev/null &",
            "child=$!",
            "{ cat <&3 >/dev/null; kill -TERM \"$child\" 2>/dev/null; } &",
            "wait \"$child\"");

    private final Path dataDir;
    private final Path binary;
    private final int httpPort;
    private final int rpcPort;
    private Process process;

    private InfluxdProcess(Path dataDir, Path binary, int httpPort, int rpcPort) {
        this.dataDir = dataDir;
        this.binary = binary;
        this.httpPort = httpPort;
        this.rpcPort = rpcPort;
    }

    /** Starts influxd with its data in {@code dataDir} and waits until it answers {@code /ping}. */
    public static InfluxdProcess start(Path dataDir) {
        return start(dataDir, 0);
    }

    /** Starts influxd with its HTTP API on {@code httpPort} (0: a free one). */
    public static InfluxdProcess start(Path dataDir, int httpPort) {
        InfluxdProcess p = new InfluxdProcess(dataDir.toAbsolutePath(), locateBinary(), httpPort == 0 ? FreePort.pick() : httpPort,
                FreePort.pick());
        p.startProcess();
        return p;
    }

    /** The influxd binary: property/env {@value #BINARY_PROPERTY}, else /usr/bin/influxd, else PATH. */
    public static Path locateBinary() {
        String configured = System.getProperty(BINARY_PROPERTY, System.getenv("CANYON_INFLUXD"));
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("influxd binary " + p + " (from " + BINARY_PROPERTY + ") is not executable");
            }
            return p;
        }
        if (Files.isExecutable(Path.of(DEFAULT_BINARY))) {
            return Path.of(DEFAULT_BINARY);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "influxd");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("influxd not found: install Debian's influxdb package "
                + "(apt-get install influxdb) or set " + BINARY_PROPERTY + " / CANYON_INFLUXD to the binary");
    }

    /** Base URL of the HTTP API, e.g. {@code http://127.0.0.1:8086}. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Where influxd keeps its data. */
    public Path dataDir() {
        return dataDir;
    }

    /** Whether the child is alive. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops influxd, keeping its data; {@link #restart} starts it again on the same port. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        List<ProcessHandle> children = new ArrayList<>(p.descendants().toList());
        children.forEach(ProcessHandle::destroy);
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the guard sees EOF either way once we are gone
        }
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                LOG.warn("influxd did not stop within 15 s; killing it");
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** Starts a stopped influxd again on the same ports and data. */
    public synchronized void restart() {
        if (process == null) {
            startProcess();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startProcess() {
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve("influxdb.conf");
            Files.writeString(config, config(), StandardCharsets.UTF_8);
            Path log = dataDir.resolve("influxd.log");
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", GUARD, binary.toString(), config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            LOG.info("Starting {} on {} with data in {}", binary, url(), dataDir);
            process = pb.start();
            awaitPing(Duration.ofSeconds(30), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start influxd (" + binary + ") in " + dataDir, e);
        }
    }

    private void awaitPing(Duration timeout, Path log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("influxd exited with status " + process.exitValue()
                        + " during start-up; see " + log + ":\n" + tail(log));
            }
            if (ping()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for influxd", e);
            }
        }
        stop();
        throw new IllegalStateException("influxd did not answer /ping on " + url() + " within " + timeout.toSeconds()
                + " s; see " + log + ":\n" + tail(log));
    }

    /** Whether {@code /ping} answers 204 now. */
    public boolean ping() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/ping").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1000);
            try (InputStream ignored = c.getInputStream()) {
                return c.getResponseCode() == 204;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private String config() {
        String dir = dataDir.toString().replace("\\", "\\\\").replace("\"", "\\\"");
        return String.join("\n",
                "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + rpcPort + "\"",
                "[meta]",
                "  dir = \"" + dir + "/meta\"",
                "[data]",
                "  dir = \"" + dir + "/data\"",
                "  wal-dir = \"" + dir + "/wal\"",
                "  query-log-enabled = false",
                "  wal-fsync-delay = \"0s\"",
                "[monitor]",
                "  store-enabled = false",
                "[http]",
                "  enabled = true",
                "  bind-address = \"127.0.0.1:" + httpPort + "\"",
                "  log-enabled = false",
                "  max-body-size = 0",
                "[continuous_queries]",
                "  enabled = true",
                "");
    }
}
