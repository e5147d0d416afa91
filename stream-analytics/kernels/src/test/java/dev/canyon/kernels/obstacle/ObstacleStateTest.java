package dev.canyon.kernels.obstacle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObstacleStateTest {

    /** The codes of ObstacleState's Javadoc table; stored points carry them, so they never change. */
    static final Map<ObstacleState, Integer> DOCUMENTED = Map.of(ObstacleState.PROGRESSING, 0, ObstacleState.PLATEAU_MOVING, 1,
            ObstacleState.NEAR_MINIMUM, 2, ObstacleState.SADDLE, 3, ObstacleState.ILL_CONDITIONED, 4,
            ObstacleState.NOISE_DOMINATED, 5, ObstacleState.DIVERGING, 6);

    @Test
    void codesAreTheDocumentedOnesAndUnique() {
        assertThat(DOCUMENTED.keySet()).as("every state has a documented code").containsExactlyInAnyOrder(ObstacleState.values());
        for (ObstacleState s : ObstacleState.values()) {
            assertThat(s.code()).as(s.name()).isEqualTo(DOCUMENTED.get(s));
            assertThat(ObstacleState.fromCode(s.code())).isSameAs(s);
        }
        assertThat(Arrays.stream(ObstacleState.values()).map(ObstacleState::code)).doesNotHaveDuplicates();
    }

    @Test
    void anUnknownCodeIsNamed() {
        assertThatThrownBy(() -> ObstacleState.fromCode(7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code 7").hasMessageContaining("known codes: 0, 1, 2, 3, 4, 5, 6");
        assertThatThrownBy(() -> ObstacleState.fromCode(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code -1");
    }
}
