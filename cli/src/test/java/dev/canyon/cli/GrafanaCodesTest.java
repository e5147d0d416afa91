package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.kernels.obstacle.ObstacleState;
import dev.canyon.kernels.stall.StallDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What Grafana shows for a persisted code is what the code means: every value mapping of a panel
 * that plots {@code state_code} maps each {@link ObstacleState#code()} to that state's name, for
 * every state; and the alert rules cover exactly the alert kinds storage tags ({@link
 * StallDetector.Kind}, lower case).
 */
class GrafanaCodesTest {
    private static final Pattern KIND = Pattern.compile("\"kind\"\\s*=\\s*'([a-z_]+)'");

    @Test
    void obstacleStateMappingsFollowTheEnumsCodes() throws IOException {
        Map<String, String> expected = new HashMap<>();
        for (ObstacleState s : ObstacleState.values()) {
            expected.put(Integer.toString(s.code()), s.name());
        }
        List<String> checked = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(PipelineIntegrationTest.repoRoot().resolve("grafana/dashboards"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode panel : json.readTree(f.toFile()).path("panels")) {
                    if (!panel.toString().contains("state_code")) {
                        continue;
                    }
                    JsonNode mappings = panel.path("fieldConfig").path("defaults").path("mappings");
                    assertThat(mappings.isEmpty()).as("%s panel '%s' plots state_code without value mappings", f.getFileName(),
                            panel.path("title").asText()).isFalse();
                    for (JsonNode m : mappings) {
                        Map<String, String> actual = new HashMap<>();
                        m.path("options").fields().forEachRemaining(e -> actual.put(e.getKey(), e.getValue().path("text").asText()));
                        assertThat(actual).as("%s panel '%s': code -> state", f.getFileName(), panel.path("title").asText())
                                .isEqualTo(expected);
                    }
                    checked.add(f.getFileName() + ": " + panel.path("title").asText());
                }
            }
        }
        assertThat(checked).as("panels plotting state_code").isNotEmpty();
    }

    @Test
    void alertRulesCoverExactlyTheAlertKinds() throws IOException {
        String rules = Files.readString(PipelineIntegrationTest.repoRoot().resolve("grafana/provisioning/alerting/canyon-alerts.yaml"));
        Set<String> ruled = new TreeSet<>();
        Matcher m = KIND.matcher(rules);
        while (m.find()) {
            ruled.add(m.group(1));
        }
        Set<String> kinds = Arrays.stream(StallDetector.Kind.values()).map(k -> k.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(ruled).isEqualTo(kinds);
        // Each rule is labelled with the kind its query reads, and is named after it.
        Matcher rule = Pattern.compile("(?s)- uid: (\\S+)\\n.*?query: ([^\\n]+)\\n.*?labels: \\{kind: ([a-z_]+)\\}")
                .matcher(rules.substring(rules.indexOf("\n    rules:")));
        Set<String> labelled = new TreeSet<>();
        while (rule.find()) {
            Matcher kind = KIND.matcher(rule.group(2));
            assertThat(kind.find()).as("query of rule %s names a kind", rule.group(1)).isTrue();
            assertThat(rule.group(3)).as("label of rule %s", rule.group(1)).isEqualTo(kind.group(1));
            assertThat(rule.group(1)).isEqualTo("canyon-" + kind.group(1).replace('_', '-'));
            labelled.add(rule.group(3));
        }
        assertThat(labelled).isEqualTo(kinds);
    }

    /**
     * Spike alerts open and resolve within a few steps, far quicker than the rules' 30 s evaluation:
     * their rules look for an opening in the last 10 minutes; the other kinds stay open for as long
     * as their condition holds, and their rules read the latest transition.
     */
    @Test
    void spikeRulesLookForRecentOpeningsTheOthersForTheLatestTransition() throws IOException {
        String rules = Files.readString(PipelineIntegrationTest.repoRoot().resolve("grafana/provisioning/alerting/canyon-alerts.yaml"));
        Matcher q = Pattern.compile("(?m)^\\s+query: (.+)$").matcher(rules);
        int checked = 0;
        while (q.find()) {
            Matcher kind = KIND.matcher(q.group(1));
            assertThat(kind.find()).isTrue();
            String expected = kind.group(1).endsWith("_spike")
                    ? "SELECT max(\"open\") FROM \"alerts\" WHERE \"kind\" = '" + kind.group(1) + "' AND time > now() - 10m GROUP BY \"run\", \"experiment\""
                    : "SELECT last(\"open\") FROM \"alerts\" WHERE \"kind\" = '" + kind.group(1) + "' GROUP BY \"run\", \"experiment\"";
            assertThat(q.group(1)).isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isEqualTo(StallDetector.Kind.values().length);
    }
}
