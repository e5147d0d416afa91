package dev.canyon.grafana;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * Grafana itself, started by Testcontainers with {@code grafana/} mounted as the compose file
 * mounts it, loads every dashboard, the datasource and every alert rule without error (checked
 * through Grafana's HTTP API). Needs a Docker engine and the {@code grafana/grafana} image; where
 * there is none (these machines, CI) it is skipped with a message saying so. The same files are
 * checked without Grafana by the cli module's DashboardStructureTest and, against a real {@code
 * influxd} filled by the pipeline, by its PipelineIntegrationTest.
 */
@Tag("real")
class GrafanaProvisioningContainerTest {
    private static final String IMAGE = "grafana/grafana:12.2.0";
    private static final String PASSWORD = "canyon-test-only";

    @Test
    void grafanaLoadsEveryDashboardTheDatasourceAndEveryAlertRule() throws Exception {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        Assumptions.assumeTrue(docker, "no Docker engine here: skipping the Grafana container test ("
                + "DashboardStructureTest and PipelineIntegrationTest check the same files without Grafana)");

        Path grafana = Path.of(System.getProperty("canyon.repo.root", "..")).toAbsolutePath().normalize().resolve("grafana");
        try (GenericContainer<?> container = new GenericContainer<>(IMAGE)
                .withEnv("GF_SECURITY_ADMIN_PASSWORD", PASSWORD)
                .withEnv("CANYON_INFLUX_URL", "http://influxdb.invalid:8086")
                .withEnv("CANYON_INFLUX_DB", "canyon")
                .withEnv("CANYON_INFLUX_USER", "canyon")
                .withEnv("CANYON_INFLUX_PASSWORD", "unused")
                .withEnv("CANYON_ALERT_WEBHOOK_URL", "http://localhost:9/canyon-alerts")
                .withFileSystemBind(grafana.resolve("provisioning").toString(), "/etc/grafana/provisioning", BindMode.READ_ONLY)
                .withFileSystemBind(grafana.resolve("dashboards").toString(), "/var/lib/grafana/dashboards", BindMode.READ_ONLY)
                .withExposedPorts(3000)
                .waitingFor(Wait.forHttp("/api/health").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)))) {
            container.start();
            String base = "http://" + container.getHost() + ":" + container.getMappedPort(3000);
            ObjectMapper json = new ObjectMapper();

            JsonNode datasource = json.readTree(get(base + "/api/datasources/uid/canyon-influxdb"));
            assertThat(datasource.path("type").asText()).isEqualTo("influxdb");

            List<String> expected = new ArrayList<>();
            try (Stream<Path> files = Files.list(grafana.resolve("dashboards"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    expected.add(json.readTree(f.toFile()).path("uid").asText());
                }
            }
            for (String uid : expected) {
                JsonNode dash = json.readTree(get(base + "/api/dashboards/uid/" + uid));
                assertThat(dash.path("dashboard").path("uid").asText()).as("dashboard " + uid).isEqualTo(uid);
                assertThat(dash.path("meta").path("provisioned").asBoolean()).as("dashboard " + uid + " provisioned").isTrue();
            }

            JsonNode rules = json.readTree(get(base + "/api/v1/provisioning/alert-rules"));
            List<String> ruleUids = new ArrayList<>();
            rules.forEach(r -> ruleUids.add(r.path("uid").asText()));
            assertThat(ruleUids).contains("canyon-plateau", "canyon-silence", "canyon-divergence", "canyon-loss-spike",
                    "canyon-gradient-spike");
            JsonNode contactPoints = json.readTree(get(base + "/api/v1/provisioning/contact-points"));
            List<String> names = new ArrayList<>();
            contactPoints.forEach(c -> names.add(c.path("name").asText()));
            assertThat(names).contains("canyon-webhook");
        }
    }

    private static String get(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}
