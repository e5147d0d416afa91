package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Validates docker-compose.yml with Debian's docker-compose ({@code config -q}); no Docker engine is
 * needed for that. scripts/setup installs docker-compose.
 */
class ComposeFileTest {

    private static final Map<String, String> PASSWORDS = Map.of(
            "GRAFANA_ADMIN_PASSWORD", "test-only", "INFLUXDB_ADMIN_PASSWORD", "test-only", "INFLUXDB_CANYON_PASSWORD", "test-only",
            "CANYON_KAFKA_TRAINER_PASSWORD", "test-only");

    @Test
    void composeFileIsValid() throws Exception {
        Result r = compose(PASSWORDS);
        assertThat(r.exit).as(r.output).isZero();
    }

    @Test
    void thereIsNoDefaultPassword() throws Exception {
        for (String variable : PASSWORDS.keySet()) {
            Map<String, String> env = new java.util.HashMap<>(PASSWORDS);
            env.remove(variable);
            Result r = compose(env);
            assertThat(r.exit).as("compose without " + variable).isNotZero();
            assertThat(r.output).contains(variable);
        }
    }

    /**
     * The JobManager runs as ProcessClusterTest proves: Flink's image at the project's Flink version,
     * application mode with the job jar in usrlib, checkpoints retained in the volume, so that after a
     * restart the job's main continues from the newest one (Checkpoints.restoreLatest).
     */
    @Test
    void theJobManagerIsTheOneTheProcessClusterTestProves() throws Exception {
        String file = Files.readString(PipelineIntegrationTest.repoRoot().resolve("docker-compose.yml"), StandardCharsets.UTF_8);
        String pom = Files.readString(PipelineIntegrationTest.repoRoot().resolve("pom.xml"), StandardCharsets.UTF_8);
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("<flink.version>([^<]+)</flink.version>").matcher(pom);
        assertThat(v.find()).isTrue();
        java.util.regex.Matcher images = java.util.regex.Pattern.compile("image: flink:(\\S+)-java17").matcher(file);
        int count = 0;
        while (images.find()) {
            count++;
            assertThat(images.group(1)).as("Flink image version").isEqualTo(v.group(1));
        }
        assertThat(count).as("JobManager and TaskManager images").isEqualTo(2);
        assertThat(file).contains("command: [\"standalone-job\", \"--job-classname\", \"dev.canyon.job.StepAnalyticsMain\"]")
                .contains("/opt/flink/usrlib/canyon-analytics.jar:ro")
                .contains("execution.checkpointing.dir: file:///flink-checkpoints")
                .contains("execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION");
        assertThat(file.substring(file.indexOf("\n  jobmanager:"), file.indexOf("\n  taskmanager:")))
                .as("the JobManager keeps the image's entrypoint").doesNotContain("entrypoint:");
    }

    @Test
    void readmeDescribesTheComposeVariablesAndServices() throws IOException {
        String readme = Files.readString(PipelineIntegrationTest.repoRoot().resolve("README.md"), StandardCharsets.UTF_8);
        for (String variable : PASSWORDS.keySet()) {
            assertThat(readme).contains(variable);
        }
        assertThat(readme).contains("docker-compose up").contains("--profile training");
    }

    private record Result(int exit, String output) {}

    /**
     * Nothing is published off loopback unless CANYON_PUBLISH_ADDRESS says so; the one Kafka listener
     * that is published takes SCRAM users only; passwords are variables without defaults, never
     * literals; every long-running service restarts; the TaskManager gets no Canyon setting (nor
     * the InfluxDB password): they are read where the job's main runs, the JobManager.
     */
    @Test
    void nothingIsExposedByDefault() throws Exception {
        Result r = compose(PASSWORDS, "config");
        assertThat(r.exit).as(r.output).isZero();
        java.util.List<String> published = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s+- (\\S+:\\d+:\\d+/tcp)$").matcher(r.output);
        while (m.find()) {
            published.add(m.group(1));
        }
        assertThat(published).as("published ports").hasSize(4).allSatisfy(p -> assertThat(p).startsWith("127.0.0.1:"));
        Map<String, String> wide = new java.util.HashMap<>(PASSWORDS);
        wide.put("CANYON_PUBLISH_ADDRESS", "0.0.0.0");
        assertThat(compose(wide, "config").output).contains("- 0.0.0.0:29092:29092/tcp");

        String file = Files.readString(PipelineIntegrationTest.repoRoot().resolve("docker-compose.yml"), StandardCharsets.UTF_8);
        assertThat(file).contains("HOST:SASL_PLAINTEXT").contains("KAFKA_LISTENER_NAME_HOST_SASL_ENABLED_MECHANISMS: SCRAM-SHA-256")
                .doesNotContain("HOST:PLAINTEXT");
        java.util.regex.Matcher secrets = java.util.regex.Pattern.compile("(?m)^\\s*(\\w*PASSWORD\\w*):\\s*(.*)$").matcher(file);
        int count = 0;
        while (secrets.find()) {
            count++;
            assertThat(secrets.group(2)).as("%s is taken from a required variable", secrets.group(1)).matches("\\$\\{\\w+:\\?.*\\}");
        }
        assertThat(count).as("password settings in the compose file").isGreaterThanOrEqualTo(5);
        String taskManager = file.substring(file.indexOf("  taskmanager:"), file.indexOf("  grafana:"));
        assertThat(taskManager).doesNotContain("CANYON_").doesNotContain("PASSWORD");
        for (String service : new String[] {"kafka", "influxdb", "jobmanager", "taskmanager", "grafana"}) {
            int at = file.indexOf("\n  " + service + ":\n");
            assertThat(at).as(service).isPositive();
            String block = file.substring(at, file.indexOf("\n\n", at) < 0 ? file.length() : file.indexOf("\n\n", at));
            assertThat(block).as("service %s", service).contains("restart: unless-stopped");
        }
    }

    private static Result compose(Map<String, String> env) throws Exception {
        return compose(env, "config", "-q");
    }

    private static Result compose(Map<String, String> env, String... command) throws Exception {
        Path root = PipelineIntegrationTest.repoRoot();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("docker-compose", "-f", "docker-compose.yml"));
        cmd.addAll(java.util.List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(root.toFile())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GRAFANA_") || k.startsWith("INFLUXDB_") || k.startsWith("CANYON_"));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("docker-compose is not installed: run scripts/setup (Debian package docker-compose)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
