package dev.canyon.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelRecipeTest {

    @Test
    void labelsRoundTripAndRebuildTheTrainersModels() {
        for (ModelRecipe r : new ModelRecipe[] {new ModelRecipe("mlp", "fashion-mnist", 32, 0),
            new ModelRecipe("deep-linear-2", "deep-linear-2", 0, 0), new ModelRecipe("deep-linear", "deep-linear", 0, 9),
            new ModelRecipe("planted", "planted-saddle", 0, 4)}) {
            ModelRecipe back = ModelRecipe.of("whatever", "whatever", r.labels()).orElseThrow();
            assertThat(back).isEqualTo(r);
        }
        // The parameter counts of what the trainers build.
        assertThat(new ModelRecipe("mlp", "fashion-mnist", 32, 0).network().numParams()).isEqualTo(784 * 32 + 32 + 32 * 10 + 10);
        assertThat(new ModelRecipe("deep-linear-2", "deep-linear-2", 0, 0).network().numParams()).isEqualTo(2);
        assertThat(new ModelRecipe("deep-linear", "deep-linear", 0, 9).network().numParams()).isEqualTo(3 * 16 * 16);
        assertThat(new ModelRecipe("planted", "planted-saddle", 0, 4).network().numParams()).isEqualTo(25);
    }

    @Test
    void runsRecordedWithoutLabelsAreRecognizedWhereTheNameSuffices() {
        assertThat(ModelRecipe.of("mlp-784-64-10", "fashion-mnist", Map.of())).contains(new ModelRecipe("mlp", "fashion-mnist", 64, 0));
        assertThat(ModelRecipe.of("deep-linear-2", "deep-linear-2", Map.of())).isPresent();
        assertThat(ModelRecipe.of("resnet", "imagenet", Map.of())).isEmpty();
    }

    @Test
    void malformedLabelsAreNamed() {
        assertThatThrownBy(() -> ModelRecipe.of("x", "y", Map.of(ModelRecipe.LABEL_MODEL, "mlp", ModelRecipe.LABEL_DATASET, "fashion-mnist",
                ModelRecipe.LABEL_HIDDEN, "many"))).hasMessageContaining("malformed recipe labels").hasMessageContaining("many");
        assertThatThrownBy(() -> new ModelRecipe("transformer", "fashion-mnist", 1, 0)).hasMessageContaining("transformer");
        assertThatThrownBy(() -> new ModelRecipe("mlp", "fashion-mnist", 0, 0)).hasMessageContaining("hidden units");
    }
}
