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
            "GRAFANA_ADMIN_PASSWORD", "test-only", "INFLUXDB_ADMIN_PASSWORD", "test-only", "INFLUXDB_CANYON_PASSWORD", "test-only");

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
     * The JobManager's entrypoint continues the job from the newest completed checkpoint in the
     * volume (a chk-N folder with _metadata; a half-written one is skipped), and starts it without
     * state when there is none. Run with the image's entrypoint replaced by echo.
     */
    @Test
    void theJobManagerContinuesFromTheNewestCompletedCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws Exception {
        java.nio.file.Path script = PipelineIntegrationTest.repoRoot().resolve("docker/jobmanager-entrypoint.sh");
        assertThat(entrypoint(script, root)).doesNotContain("--fromSavepoint").contains("standalone-job")
                .contains("dev.canyon.job.StepAnalyticsMain");
        java.nio.file.Path job = root.resolve("00000000000000000000000000000000");
        for (int n : new int[] {7, 8}) {
            Files.createDirectories(job.resolve("chk-" + n));
            Files.writeString(job.resolve("chk-" + n).resolve("_metadata"), "m");
            Files.setLastModifiedTime(job.resolve("chk-" + n).resolve("_metadata"),
                    java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L + n * 1000L));
        }
        Files.createDirectories(job.resolve("chk-9")); // taken when the JobManager died: no _metadata
        assertThat(entrypoint(script, root)).contains("--fromSavepoint " + job.resolve("chk-8"));
    }

    private static String entrypoint(java.nio.file.Path script, java.nio.file.Path root) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("CANYON_CHECKPOINT_ROOT", root.toString());
        pb.environment().put("FLINK_ENTRYPOINT", "echo");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
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

    private static Result compose(Map<String, String> env) throws Exception {
        Path root = PipelineIntegrationTest.repoRoot();
        ProcessBuilder pb = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config", "-q")
                .directory(root.toFile())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GRAFANA_") || k.startsWith("INFLUXDB_"));
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
