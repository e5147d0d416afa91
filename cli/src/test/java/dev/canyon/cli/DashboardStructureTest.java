package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.contract.Measurements;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every provisioned dashboard parses and is consistent: unique uids and panel ids, datasource
 * references that resolve to the provisioned datasource, grid positions inside Grafana's 24
 * columns without overlaps, and every measurement, field and tag a query names defined by the wire
 * contract ({@link Measurements}).
 */
class DashboardStructureTest {
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");
    private static final Pattern PROVISIONED_UID = Pattern.compile("(?m)^\\s*uid:\\s*(\\S+)\\s*$");

    @Test
    void dashboardsAreConsistentWithTheProvisioningAndTheContract() throws IOException {
        Path root = PipelineIntegrationTest.repoRoot().resolve("grafana");
        Set<String> datasources = new HashSet<>();
        try (Stream<Path> files = Files.list(root.resolve("provisioning/datasources"))) {
            for (Path f : files.toList()) {
                Matcher m = PROVISIONED_UID.matcher(Files.readString(f));
                while (m.find()) {
                    datasources.add(m.group(1));
                }
            }
        }
        assertThat(datasources).contains("canyon-influxdb");
        Set<String> contract = contractNames();

        List<Path> dashboards;
        try (Stream<Path> files = Files.list(root.resolve("dashboards"))) {
            dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(dashboards).hasSizeGreaterThanOrEqualTo(3);
        // Alert rules: every query names contract names and reads the provisioned datasource.
        String rules = Files.readString(root.resolve("provisioning/alerting/canyon-alerts.yaml"));
        Matcher rq = Pattern.compile("(?m)^\\s+query: (.+)$").matcher(rules);
        int ruleQueries = 0;
        while (rq.find()) {
            checkNames(rq.group(1), contract, "alert rule");
            ruleQueries++;
        }
        assertThat(ruleQueries).as("one rule per alert kind").isEqualTo(dev.canyon.kernels.stall.StallDetector.Kind.values().length);
        Matcher ds = Pattern.compile("datasourceUid: (\\S+)").matcher(rules);
        while (ds.find()) {
            assertThat(ds.group(1)).as("alert rule datasource").isIn("__expr__", "canyon-influxdb");
        }
        Set<String> uids = new HashSet<>();
        ObjectMapper json = new ObjectMapper();
        for (Path file : dashboards) {
            String name = file.getFileName().toString();
            JsonNode dash = json.readTree(file.toFile());
            assertThat(uids.add(dash.path("uid").asText())).as("%s: uid '%s' is unique", name, dash.path("uid").asText()).isTrue();
            assertThat(dash.path("title").asText()).as(name + " title").isNotBlank();
            List<String> variables = new ArrayList<>();
            for (JsonNode v : dash.path("templating").path("list")) {
                variables.add(v.path("name").asText());
                checkDatasource(v.path("datasource"), datasources, name + " variable " + v.path("name").asText());
                checkNames(v.path("query").asText(), contract, name + " variable " + v.path("name").asText());
            }
            assertThat(variables).as(name + " template variables").contains("experiment", "run");
            Set<Integer> panelIds = new HashSet<>();
            List<int[]> boxes = new ArrayList<>();
            for (JsonNode p : dash.path("panels")) {
                String where = name + " panel '" + p.path("title").asText() + "'";
                assertThat(panelIds.add(p.path("id").asInt())).as(where + " id is unique").isTrue();
                checkDatasource(p.path("datasource"), datasources, where);
                JsonNode g = p.path("gridPos");
                int x = g.path("x").asInt(-1), y = g.path("y").asInt(-1), w = g.path("w").asInt(0), h = g.path("h").asInt(0);
                assertThat(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24).as(where + " gridPos " + g).isTrue();
                for (int[] b : boxes) {
                    boolean overlap = x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h;
                    assertThat(overlap).as(where + " overlaps another panel").isFalse();
                }
                boxes.add(new int[] {x, y, w, h});
                assertThat(p.path("targets")).as(where + " has queries").isNotEmpty();
                for (JsonNode t : p.path("targets")) {
                    checkDatasource(t.path("datasource"), datasources, where + " target " + t.path("refId").asText());
                    assertThat(t.path("rawQuery").asBoolean()).as(where + " raw InfluxQL").isTrue();
                    checkNames(t.path("query").asText(), contract, where);
                }
            }
        }
    }

    private static void checkDatasource(JsonNode ds, Set<String> provisioned, String where) {
        assertThat(ds.path("type").asText()).as(where + " datasource type").isEqualTo("influxdb");
        assertThat(provisioned).as(where + " datasource uid").contains(ds.path("uid").asText());
    }

    /** Every double-quoted identifier in an InfluxQL query is a measurement, field or tag of the contract. */
    private static void checkNames(String query, Set<String> contract, String where) {
        assertThat(query).as(where + " query").isNotBlank();
        Matcher m = QUOTED.matcher(query);
        while (m.find()) {
            assertThat(contract).as(where + ": '" + m.group(1) + "' in " + query).contains(m.group(1));
        }
    }

    /** The string constants of {@link Measurements}, with the numbered PCA fields spelled out. */
    private static Set<String> contractNames() {
        Set<String> names = new HashSet<>();
        for (Field f : Measurements.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        for (int i = 1; i <= 3; i++) {
            names.add(Measurements.FIELD_EVR_PREFIX + i);
            names.add(Measurements.FIELD_CONTROL_EVR_PREFIX + i);
        }
        // The histograms' bin counts c0..c{n-1}.
        for (int i = 0; i < dev.canyon.contract.StepDiagnostics.MAX_BINS; i++) {
            names.add(Measurements.FIELD_COUNT_PREFIX + i);
        }
        return names;
    }
}
