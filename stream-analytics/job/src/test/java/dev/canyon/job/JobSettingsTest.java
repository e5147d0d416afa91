package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.analytics.AnalyticsSettings;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The job's settings: job arguments over Flink configuration over environment over defaults; Flink's own options over Canyon's defaults. */
class JobSettingsTest {
    private static final Configuration NO_FLINK = new Configuration();

    @Test
    void argumentsWinOverFlinkConfigurationWhichWinsOverEnvironment() {
        Map<String, String> env = Map.of("CANYON_WINDOW_STEPS", "60", "CANYON_EMIT_EVERY_STEPS", "5", "CANYON_SPIKE_SIGMAS", "7",
                "CANYON_DATA_DIR", "/somewhere", "PATH", "/usr/bin");
        Map<String, String> flink = Map.of("canyon.window-steps", "70", "canyon.emit-every-steps", "4", "parallelism.default", "3");
        JobSettings s = JobSettings.resolve(new String[] {"--window-steps", "80", "--kafka=broker:9093"}, flink, env);
        assertThat(s.get("CANYON_WINDOW_STEPS")).isEqualTo("80");
        assertThat(s.origin("CANYON_WINDOW_STEPS")).isEqualTo("job argument --window-steps");
        assertThat(s.get("CANYON_EMIT_EVERY_STEPS")).isEqualTo("4");
        assertThat(s.origin("CANYON_EMIT_EVERY_STEPS")).isEqualTo("Flink configuration canyon.emit-every-steps");
        assertThat(s.get("CANYON_SPIKE_SIGMAS")).isEqualTo("7");
        assertThat(s.origin("CANYON_SPIKE_SIGMAS")).isEqualTo("environment CANYON_SPIKE_SIGMAS");
        AnalyticsConfig c = StepAnalyticsMain.config(s, NO_FLINK, 3);
        assertThat(c.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(c.analytics().window()).isEqualTo(80);
        assertThat(c.analytics().emitEvery()).isEqualTo(4);
        assertThat(c.analytics().stall().spikeSigmas()).isEqualTo(7.0);
        assertThat(s.has("CANYON_DATA_DIR")).as("not a job setting").isFalse();
    }

    @Test
    void flinkOwnOptionsWinOverCanyonDefaultsButNotOverCanyonSettings() {
        Configuration flink = new Configuration();
        flink.setString("execution.checkpointing.interval", "30 s");
        AnalyticsConfig byFlink = StepAnalyticsMain.config(JobSettings.resolve(new String[0], flink.toMap(), Map.of()), flink, 2);
        assertThat(byFlink.parallelism()).as("flink run -p 2").isEqualTo(2);
        assertThat(byFlink.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));

        AnalyticsConfig byCanyon = StepAnalyticsMain.config(JobSettings.resolve(new String[0], flink.toMap(),
                Map.of("CANYON_PARALLELISM", "4", "CANYON_CHECKPOINT_INTERVAL_S", "9")), flink, 2);
        assertThat(byCanyon.parallelism()).isEqualTo(4);
        assertThat(byCanyon.checkpointInterval()).isEqualTo(Duration.ofSeconds(9));

        AnalyticsConfig defaults = StepAnalyticsMain.config(JobSettings.resolve(new String[0], Map.of(), Map.of()), NO_FLINK, 1);
        assertThat(defaults.checkpointInterval()).isEqualTo(Duration.ofSeconds(StepAnalyticsMain.DEFAULT_CHECKPOINT_INTERVAL_S));
        assertThat(defaults.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(defaults.analytics()).isEqualTo(AnalyticsSettings.defaults());
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> JobSettings.resolve(new String[] {"--windw-steps", "8"}, Map.of(), Map.of()))
                .hasMessageContaining("unknown job argument '--windw-steps'").hasMessageContaining("--window-steps");
        assertThatThrownBy(() -> JobSettings.resolve(new String[0], Map.of("canyon.windw-steps", "8"), Map.of()))
                .hasMessageContaining("unknown Canyon setting 'canyon.windw-steps'");
        assertThatThrownBy(() -> JobSettings.resolve(new String[] {"--window-steps"}, Map.of(), Map.of()))
                .hasMessageContaining("--window-steps needs a value");
        assertThatThrownBy(() -> JobSettings.resolve(new String[] {"--influx-password", "hunter2"}, Map.of(), Map.of()))
                .hasMessageContaining("secret").hasMessageContaining("CANYON_INFLUX_PASSWORD").hasMessageNotContaining("hunter2");
        JobSettings bad = JobSettings.resolve(new String[] {"--parallelism", "two"}, Map.of(), Map.of());
        assertThatThrownBy(() -> StepAnalyticsMain.config(bad, NO_FLINK, 1))
                .hasMessageContaining("job argument --parallelism").hasMessageContaining("'two'");
        assertThatThrownBy(() -> StepAnalyticsMain.config(JobSettings.resolve(new String[0], Map.of(), Map.of("CANYON_WINDOW_STEPS", "x")),
                NO_FLINK, 1)).hasMessageContaining("CANYON_WINDOW_STEPS");
    }

    @Test
    void secretsAreMaskedWhenDescribed() {
        JobSettings s = JobSettings.resolve(new String[0], Map.of(), Map.of("CANYON_INFLUX_PASSWORD", "hunter2", "CANYON_INFLUX_USER", "u"));
        assertThat(s.describe()).contains("CANYON_INFLUX_PASSWORD=****").contains("CANYON_INFLUX_USER=u").doesNotContain("hunter2");
        assertThat(StepAnalyticsMain.config(s, NO_FLINK, 1).influx().toString()).doesNotContain("hunter2");
    }

    @Test
    void everySettingHasThreeSpellings() {
        assertThat(JobSettings.flinkKey("CANYON_INFLUX_RAW_RETENTION_H")).isEqualTo("canyon.influx-raw-retention-h");
        assertThat(JobSettings.argument("CANYON_INFLUX_RAW_RETENTION_H")).isEqualTo("--influx-raw-retention-h");
        for (String n : JobSettings.names()) {
            JobSettings viaArg = JobSettings.SECRETS.contains(n) ? null
                    : JobSettings.resolve(new String[] {JobSettings.argument(n), "1"}, Map.of(), Map.of());
            JobSettings viaFlink = JobSettings.resolve(new String[0], Map.of(JobSettings.flinkKey(n), "1"), Map.of());
            JobSettings viaEnv = JobSettings.resolve(new String[0], Map.of(), Map.of(n, "1"));
            for (JobSettings s : new JobSettings[] {viaArg, viaFlink, viaEnv}) {
                if (s != null) {
                    assertThat(s.get(n)).as(n).isEqualTo("1");
                }
            }
        }
    }
}
