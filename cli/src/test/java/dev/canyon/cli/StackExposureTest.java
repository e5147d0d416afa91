package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.stack.FreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * 127.0.0.1 or ::1, read from /proc (Linux); and Flink's REST endpoint refuses every request that
 * would cancel, stop, rescale or replace the job or shut the cluster down.
 */
@Tag("real")
class StackExposureTest {
    @TempDir
    Path dir;

    @Test
    void everyListeningSocketIsOnLoopback() throws Exception {
        int flinkPort = FreePort.pick();
        Process stack = StackRestartTest.startStack(dir.resolve("data"), FreePort.pick(), FreePort.pick(), flinkPort);
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
                List<String> lines = Files.readAllLines(Path.of(table)); // read once: the table changes as sockets open and close
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f[3].equals("0A") && inodes.contains(f[9])) {
                        listening.add(f[1]);
                    }
                }
            }
            assertThat(listening).as("listening sockets of the stack (Kafka, influxd, Flink)").hasSizeGreaterThanOrEqualTo(4);
            assertThat(listening).as("local addresses (hex, /proc/net/tcp*)").allSatisfy(a -> assertThat(loopback(a))
                    .as("%s is loopback", a).isTrue());
            assertRestIsReadOnly(stack, flinkPort);
        } finally {
            stack.destroyForcibly();
            stack.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Flink's REST endpoint answers GET, and refuses every request that would change the job or the
     * cluster: cancel (PATCH, the request that once stopped the whole stack), stop with savepoint,
     * savepoint, rescale, submit, jar upload, cluster shutdown. The job still runs afterwards.
     */
    private static void assertRestIsReadOnly(Process stack, int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        HttpResponse<String> overview = send(http, "GET", base + "/jobs/overview");
        assertThat(overview.statusCode()).as("GET /jobs/overview: %s", overview.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"jid\":\"([0-9a-f]{32})\"").matcher(overview.body());
        assertThat(m.find()).as("a job in %s", overview.body()).isTrue();
        String job = base + "/jobs/" + m.group(1);
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("PATCH " + job + "?mode=cancel", "");
        attempts.put("PATCH " + job, "");
        attempts.put("POST " + job + "/stop", "{\"drain\":false}");
        attempts.put("POST " + job + "/savepoints", "{\"cancel-job\":true}");
        attempts.put("PATCH " + job + "/resource-requirements", "");
        attempts.put("PUT " + job + "/resource-requirements", "{}");
        attempts.put("POST " + base + "/jobs", "{}");
        attempts.put("POST " + base + "/jars/upload", "");
        attempts.put("DELETE " + base + "/cluster", "");
        for (Map.Entry<String, String> a : attempts.entrySet()) {
            String[] methodAndUrl = a.getKey().split(" ", 2);
            HttpResponse<String> r = send(http, methodAndUrl[0], methodAndUrl[1], a.getValue());
            assertThat(r.statusCode()).as("%s answered %d: %s", a.getKey(), r.statusCode(), r.body()).isIn(404, 405);
        }
        Thread.sleep(2_000);
        assertThat(stack.isAlive()).as("the stack after the refused requests").isTrue();
        HttpResponse<String> after = send(http, "GET", job);
        assertThat(after.body()).as("the job after the refused requests").contains("\"state\":\"RUNNING\"");
    }

    private static HttpResponse<String> send(HttpClient http, String method, String url) throws Exception {
        return send(http, method, url, "");
    }

    private static HttpResponse<String> send(HttpClient http, String method, String url, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
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
