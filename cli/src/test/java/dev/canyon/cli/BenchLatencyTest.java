package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code canyon bench latency} end to end, briefly: an embedded broker, influxd and the live job;
 * one low rate for 2 s and the planted alerts. Checks the report's shape and that every published
 * step was seen stored; never a latency bound (timings on shared machines are no test).
 */
@Tag("real")
class BenchLatencyTest {
    @Test
    void aBriefRunReportsEveryPublishedStepStoredAndBothAlerts() throws Exception {
        CommandRun run = CommandRun.of("bench", "latency", "--json", "--rates", "50", "--runs", "2", "--seconds", "2",
                "--alert-rate", "500");
        assertThat(run.exit()).as(run.err()).isZero();
        // The JSON line (log lines may reach standard output too when logging starts during the command).
        String line = run.out().lines().filter(l -> l.startsWith("{\"benchmark\"")).reduce((a, b) -> b).orElseThrow();
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("benchmark").asText()).isEqualTo("latency");
        assertThat(json.get("poll_interval_ms").asInt()).isPositive();
        JsonNode rates = json.get("rates");
        assertThat(rates).hasSize(1);
        JsonNode r = rates.get(0);
        assertThat(r.get("steps_per_s").asDouble()).isEqualTo(50.0);
        assertThat(r.get("steps").asLong()).isEqualTo(100);
        assertThat(r.get("seen_steps").asLong()).isEqualTo(100);
        assertThat(r.get("stored_steps").asLong()).isEqualTo(100);
        assertThat(r.get("all_steps_stored").asBoolean()).isTrue();
        double p50 = r.get("p50_ms").asDouble();
        double p99 = r.get("p99_ms").asDouble();
        double max = r.get("max_ms").asDouble();
        assertThat(p50).isGreaterThanOrEqualTo(0);
        assertThat(p99).isGreaterThanOrEqualTo(p50);
        assertThat(max).isGreaterThanOrEqualTo(p99);
        assertThat(r.get("polls").asLong()).isPositive();
        assertThat(r.get("published_steps_per_s").asDouble()).isPositive();

        JsonNode alerts = json.get("alerts");
        for (String kind : new String[] {"divergence", "plateau"}) {
            JsonNode a = alerts.get(kind);
            assertThat(a.get("alert_step").asLong()).as(kind).isEqualTo(a.get("condition_step").asLong());
            assertThat(a.get("latency_ms").isNumber()).as(kind).isTrue();
            assertThat(a.get("latency_ms").asDouble()).as(kind).isGreaterThanOrEqualTo(0);
        }
        assertThat(alerts.get("plateau").get("condition_step").asLong()).isEqualTo(501);
        assertThat(json.get("targets").has("p99_at_1000_steps_per_s_within_1000_ms")).isTrue();
    }
}
