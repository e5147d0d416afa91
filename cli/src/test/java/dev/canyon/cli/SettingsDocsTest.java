package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The analytics settings are one type read from a map (the job's environment, the CLI's): every key
 * it reads is documented in docs/operations.md with its default and meaning as the code states them,
 * and each default documented is the value the settings take when the key is absent.
 */
class SettingsDocsTest {

    @Test
    void everyKeyIsDocumentedWithItsDefault() throws IOException {
        String ops = Files.readString(PipelineIntegrationTest.repoRoot().resolve("docs/operations.md"));
        for (AnalyticsSettings.Key k : AnalyticsSettings.KEYS) {
            assertThat(ops).as("docs/operations.md row of %s", k.name())
                    .contains("| `" + k.name() + "` | " + k.defaultValue() + " | " + k.description() + " |");
            assertThat(AnalyticsSettings.fromMap(Map.of(k.name(), k.defaultValue()))).as("%s at its documented default", k.name())
                    .isEqualTo(AnalyticsSettings.defaults());
        }
    }

    @Test
    void aBadValueNamesItsKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_WINDOW_STEPS", "fifty")))
                .hasMessageContaining("CANYON_WINDOW_STEPS").hasMessageContaining("fifty");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnalyticsSettings.fromMap(Map.of("CANYON_WINDOW_STEPS", "2")))
                .hasMessageContaining("CANYON_WINDOW_STEPS").hasMessageContaining("at least 4");
        assertThat(AnalyticsSettings.fromMap(Map.of("CANYON_WINDOW_STEPS", "80", "PATH", "/usr/bin")).window()).isEqualTo(80);
    }
}
