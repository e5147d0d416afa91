package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TensorScalars;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-layer measurements from the per-tensor scalars: grouping by DL4J parameter name, exact
 * combination of norms, the update ratio and its absence, tag-safe names, and the analyzer emitting
 * one {@link LayerMeasured} per layer after each step's {@link StepMeasured} without changing its state.
 */
class LayerScalarsTest {
    private static final At AT = new At("r", "e", 3, 1_700_000_000_000L);

    private static TensorScalars tensor(String name, int offset, int size, double g, double d, double p, double disp) {
        return TensorScalars.newBuilder().setName(name).setOffset(offset).setSize(size).setScalars(StepScalars.newBuilder()
                .setGradNorm(g).setDeltaNorm(d).setParamNorm(p).setDisplacement(disp).setGradDotDelta(-g * d)).build();
    }

    @Test
    void layersAreTheNamesBeforeTheLastUnderscore() {
        assertThat(LayerScalars.layerOf("0_W")).isEqualTo("0");
        assertThat(LayerScalars.layerOf("12_b")).isEqualTo("12");
        assertThat(LayerScalars.layerOf("dense_W")).isEqualTo("dense");
        assertThat(LayerScalars.layerOf("dense_1_b")).isEqualTo("dense_1");
        assertThat(LayerScalars.layerOf("W")).isEqualTo("W");
        assertThat(LayerScalars.layerOf("_W")).isEqualTo("_W");
        assertThat(LayerScalars.tagSafe("")).isEqualTo(LayerScalars.UNNAMED);
        assertThat(LayerScalars.tagSafe("a\nb\\")).isEqualTo("a?b?");
        assertThat(LayerScalars.tagSafe("x".repeat(300))).hasSize(256);
    }

    @Test
    void normsCombineAsRootsOfSummedSquares() {
        List<LayerMeasured> layers = LayerScalars.of(AT, List.of(
                tensor("0_W", 0, 6, 3, 0.3, 4, 1), tensor("0_b", 6, 2, 4, 0.4, 3, 2), tensor("1_W", 8, 3, 1e-3, 0, 2, 0),
                tensor("1_b", 11, 1, 0, 0, 0, 0), tensor("out", 12, 2, 1e200, 1e200, 1e200, 1e200)));
        assertThat(layers).extracting(LayerMeasured::layer).containsExactly("0", "1", "out");
        assertThat(layers).extracting(LayerMeasured::tensors).containsExactly(2, 2, 1);
        LayerMeasured l0 = layers.get(0);
        assertThat(l0.at()).isEqualTo(AT);
        assertThat(l0.gradNorm()).isCloseTo(5, within(1e-15));
        assertThat(l0.stepNorm()).isCloseTo(0.5, within(1e-15));
        assertThat(l0.paramNorm()).isCloseTo(5, within(1e-15));
        assertThat(l0.displacement()).isCloseTo(Math.sqrt(5), within(1e-15));
        assertThat(l0.updateRatioLog10()).isCloseTo(Math.log10(0.1), within(1e-15));
        // A layer that did not move has no ratio; neither has one without weights.
        assertThat(layers.get(1).stepNorm()).isZero();
        assertThat(layers.get(1).updateRatioLog10()).isNaN();
        assertThat(new LayerMeasured(AT, "z", 1, 1, 1, 0, 0).updateRatioLog10()).isNaN();
        // Large norms do not overflow when squared.
        assertThat(layers.get(2).paramNorm()).isEqualTo(1e200);
        assertThat(layers.get(2).updateRatioLog10()).isZero();
        assertThat(LayerScalars.combinedNorm(new double[] {1e200, 1e200})).isCloseTo(Math.sqrt(2) * 1e200, within(1e186));
        assertThat(LayerScalars.combinedNorm(new double[] {})).isZero();
        assertThat(LayerScalars.combinedNorm(new double[] {1, Double.NaN})).isNaN();
    }

    @Test
    void theAnalyzerEmitsEveryStepsLayersWithoutState() {
        Step plain = SampleRecords.step(1);
        Step withTensors = plain.toBuilder().addTensors(tensor("0_W", 0, 3, 1, 0.1, 2, 0.1))
                .addTensors(tensor("0_b", 3, 1, 0, 0, 0.5, 0)).addTensors(tensor("1_W", 4, 1, 2, 0.2, 1, 0.2)).build();
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        RunAnalyzer b = new RunAnalyzer(AnalyticsSettings.defaults());
        List<Update> out = a.onStep(withTensors, 0);
        List<Update> plainOut = b.onStep(plain, 0);
        assertThat(out.get(0)).isInstanceOf(StepMeasured.class);
        assertThat(out.subList(1, 3)).allMatch(u -> u instanceof LayerMeasured);
        assertThat(out.subList(1, 3)).extracting(u -> ((LayerMeasured) u).layer()).containsExactly("0", "1");
        assertThat(((LayerMeasured) out.get(1)).at()).isEqualTo(((StepMeasured) out.get(0)).at());
        assertThat(plainOut.stream().filter(u -> u instanceof LayerMeasured)).isEmpty();
        assertThat(out.stream().filter(u -> !(u instanceof LayerMeasured)).toList()).isEqualTo(plainOut);
        // The state does not hold the layers: the same bytes with or without them.
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
    }
}
