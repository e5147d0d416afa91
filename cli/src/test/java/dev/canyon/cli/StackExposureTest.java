package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.stack.FreePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing {@code canyon stack} opens listens off loopback: every listening TCP socket of its JVM
 * and of its influxd (Kafka, InfluxDB, Flink's REST endpoint, blob server and RPC) is bound to
 * 127.0.0.1 or ::1, read from /proc (Linux).
 */
@Tag("real")
class StackExposureTest {
    @TempDir
    Path dir;

    @Test
    void everyListeningSocketIsOnLoopback() throws Exception {
        Process stack = StackRestartTest.startStack(dir.resolve("data"), FreePort.pick(), FreePort.pick());
        try {
            Set<Long> processes = new HashSet<>();
            collect(stack.toHandle(), processes);
            Set<String> inodes = new HashSet<>();
            for (long pid : processes) {
                try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            String target = Files.readSymbolicLink(fd).toString();
                            if (target.startsWith("socket:[")) {
                                inodes.add(target.substring(8, target.length() - 1));
                            }
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    }
                }
            }
            List<String> listening = new ArrayList<>();
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f[3].equals("0A") && inodes.contains(f[9])) {
                        listening.add(f[1]);
                    }
                }
            }
            assertThat(listening).as("listening sockets of the stack (Kafka, influxd, Flink)").hasSizeGreaterThanOrEqualTo(4);
            assertThat(listening).as("local addresses (hex, /proc/net/tcp*)").allSatisfy(a -> assertThat(loopback(a))
                    .as("%s is loopback", a).isTrue());
        } finally {
            stack.destroyForcibly();
            stack.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void collect(ProcessHandle p, Set<Long> into) {
        into.add(p.pid());
        p.children().forEach(c -> collect(c, into));
    }

    /** Whether a /proc/net/tcp* local address ("0100007F:1F90", or 32 hex digits for IPv6) is loopback. */
    static boolean loopback(String address) {
        String host = address.substring(0, address.indexOf(':'));
        if (host.length() == 8) {
            return host.endsWith("7F"); // 127.x.x.x, little-endian
        }
        return host.equals("00000000000000000000000001000000") // ::1
                || (host.startsWith("0000000000000000FFFF0000") && host.endsWith("7F")); // ::ffff:127.x.x.x
    }
}
