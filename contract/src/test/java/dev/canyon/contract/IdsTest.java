package dev.canyon.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void awkwardButPrintableIdsAreFine() {
        for (String id : new String[] {"run with spaces", "a,b=c", "q\"uote", "back\\slash", "ünïcødé ✓"}) {
            assertThat(Ids.problem("run_id", id, false)).as(id).isNull();
        }
    }

    @Test
    void controlCharactersEmptyAndOverlongIdsAreNamed() {
        assertThat(Ids.problem("run_id", "bad\nrun", false)).contains("U+000A at index 3").contains("'bad?run'");
        assertThat(Ids.problem("run_id", "", false)).isEqualTo("run_id is empty");
        assertThat(Ids.problem("experiment_id", "", true)).isNull();
        assertThat(Ids.problem("run_id", "x".repeat(257), false)).contains("257 characters");
        assertThat(Ids.problem("run_id", "ends\\", false)).contains("ends with a backslash");
        assertThat(Ids.problem("run_id", "a\\ b", false)).isNull();
        assertThat(Ids.problem("run_id", "a\\,b=\\=", false)).isNull();
        assertThatThrownBy(() -> Ids.require("experimentId", "a\tb", false)).hasMessageContaining("U+0009");
        assertThatThrownBy(() -> WireRecords.decodeStep(WireRecords.encode(SampleRecords.step(1).toBuilder().setRunId("r\n").build())))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("run_id of step record");
    }
}
