package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.FreePort;
import dev.canyon.stack.InfluxdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar submitted the way an operator does, through Flink's command line ({@code flink run},
 * i.e. {@code CliFrontend} in its own JVM) to a session cluster: {@code -p 2} gives every operator
 * parallelism 2, and Canyon's settings given in each documented place (a job argument, a {@code -D}
 * Flink option, the Flink configuration file, the client's environment) reach the job with the
 * documented precedence, as the job's parameters on the cluster show.
 */
@Tag("real")
class FlinkRunTest {
    @TempDir
    Path dir;

    @Test
    void flinkRunWithParallelismTwoAndSettingsFromEveryPlace() throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(PipelineIntegrationTest.repoRoot().resolve("stream-analytics/job/target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("canyon-stream-job-.*-job\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no job jar in stream-analytics/job/target: run ./mvnw verify (package) first"));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influx"))) {
            int restPort = FreePort.pick();
            Configuration conf = new Configuration();
            conf.setString("rest.bind-address", "127.0.0.1");
            conf.setString("rest.address", "127.0.0.1");
            conf.setString("rest.bind-port", Integer.toString(restPort));
            // This session cluster runs in the test JVM, whose class path has the Kafka connector and
            // client that the job jar brings too: load the job's classes parent-first so that there is
            // one copy of each (a Flink distribution has neither in lib/; ProcessClusterTest runs one).
            conf.setString("classloader.resolve-order", "parent-first");
            try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                    .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
                cluster.start();
                Path confDir = Files.createDirectories(dir.resolve("flink-conf"));
                Files.writeString(confDir.resolve("config.yaml"), String.join("\n",
                        "rest.address: 127.0.0.1",
                        "rest.port: " + restPort,
                        "execution.target: remote",
                        "canyon.emit-every-steps: 5",
                        "canyon.window-steps: 40",
                        ""));
                Files.writeString(confDir.resolve("logback.xml"), "<configuration><appender name=\"OUT\" "
                        + "class=\"ch.qos.logback.core.ConsoleAppender\"><encoder><pattern>%d %-5level %logger{36} - %msg%n</pattern>"
                        + "</encoder></appender><logger name=\"dev.canyon\" level=\"INFO\"/><root level=\"WARN\">"
                        + "<appender-ref ref=\"OUT\"/></root></configuration>");
                List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m", "@" + PipelineIntegrationTest.repoRoot().resolve("jvm-opens.args"),
                        "-Dlogback.configurationFile=" + confDir.resolve("logback.xml"),
                        "-cp", flinkClientClasspath(), "org.apache.flink.client.cli.CliFrontend",
                        "run", "-d", "-p", "2", "-Dcanyon.window-steps=60", jar.toString(), "--spike-sigmas", "8"));
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("flink-run.log").toFile());
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(k -> k.startsWith("CANYON_"));
                env.put("FLINK_CONF_DIR", confDir.toString());
                env.put("CANYON_KAFKA", kafka.bootstrapServers());
                env.put("CANYON_INFLUX_URL", influxd.url());
                env.put("CANYON_INFLUX_DB", "flinkrun");
                env.put("CANYON_SPIKE_SIGMAS", "9");
                env.put("CANYON_PLATEAU_PATIENCE_STEPS", "700");
                env.put("CANYON_WINDOW_STEPS", "30");
                Process run = pb.start();
                assertThat(run.waitFor(180, TimeUnit.SECONDS)).as("flink run finished").isTrue();
                String log = Files.readString(dir.resolve("flink-run.log"), StandardCharsets.UTF_8);
                assertThat(run.exitValue()).as("flink run's exit code; its output:%n%s", log).isZero();
                Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(log);
                assertThat(m.find()).as("a job id in flink run's output:%n%s", log).isTrue();
                String job = "http://127.0.0.1:" + restPort + "/jobs/" + m.group(1);

                ObjectMapper json = new ObjectMapper();
                JsonNode details = waitForRunning(json, job);
                List<String> parallelisms = new ArrayList<>();
                details.get("vertices").forEach(v -> parallelisms.add(v.get("name").asText() + "=" + v.get("parallelism").asInt()));
                assertThat(parallelisms).as("operators").isNotEmpty()
                        .allSatisfy(p -> assertThat(p).endsWith("=2"));

                JsonNode userConfig = json.readTree(get(job + "/config")).path("execution-config").path("user-config");
                Map<String, String> shown = new HashMap<>();
                userConfig.fields().forEachRemaining(e -> shown.put(e.getKey(), e.getValue().asText()));
                assertThat(shown).as("the job's Canyon settings on the cluster")
                        .containsEntry("canyon.spike-sigmas", "8") // job argument over environment (9)
                        .containsEntry("canyon.window-steps", "60") // -D over the configuration file (40) and environment (30)
                        .containsEntry("canyon.emit-every-steps", "5") // configuration file
                        .containsEntry("canyon.plateau-patience-steps", "700") // environment
                        .containsEntry("canyon.parallelism", "2") // flink run -p
                        .containsEntry("canyon.kafka", kafka.bootstrapServers());
                cluster.cancelJob(org.apache.flink.api.common.JobID.fromHexString(m.group(1))).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * What a Flink distribution's client has on its class path: Flink's modules and their
     * dependencies, without Canyon's classes or the Kafka connector and client, which come with the
     * job jar (both on one path would clash across class loaders).
     */
    private static String flinkClientClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("kafka") && !e.contains("/target/") && !e.contains("/dev/canyon/"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    private static JsonNode waitForRunning(ObjectMapper json, String job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        JsonNode details = null;
        while (System.nanoTime() < deadline) {
            details = json.readTree(get(job));
            if ("RUNNING".equals(details.path("state").asText())) {
                return details;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the job did not reach RUNNING: " + details);
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
        return r.body();
    }
}
