package dev.canyon.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.sketch.CountSketch;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorsTest {

    @Test
    void halfKeepsAboutThreeSignificantDigits() {
        Random r = new Random(1);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(10) - 5));
        }
        float[] back = Vectors.toFloats(Vectors.half(v));
        for (int i = 0; i < v.length; i++) {
            // bfloat16 keeps 8 significant bits: rounding to nearest errs by at most half a unit in the last
            // place, 2^-8 of the value at worst.
            assertThat(Math.abs(back[i] - v[i])).isLessThanOrEqualTo(Math.abs(v[i]) * 0x1p-8f);
        }
        assertThat(Vectors.toFloats(Vectors.half(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, 1f})))
                .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, -0f, 1f);
        assertThat(Vectors.half(v).getData().size()).isEqualTo(2 * v.length);
    }

    @Test
    void sketchVectorsCarryTheirSizeAndSeedAndAreValidated() {
        CountSketch cs = new CountSketch(100, 16, 7);
        float[] x = new float[100];
        x[3] = 1f;
        var vec = Vectors.sketch(cs.apply(x), 100, 7);
        assertThat(vec.getSketchSize()).isEqualTo(16);
        assertThat(vec.getDimension()).isEqualTo(100);
        assertThat(Vectors.toFloats(vec)).hasSize(16);
        var bad = vec.toBuilder().setSketchSize(17).build();
        assertThatThrownBy(() -> Vectors.validate("delta", bad)).hasMessageContaining("sketch size 17 needs 68 bytes");
    }

    @Test
    void gradientAndDeltaMustBeSketchedAlike() {
        Step good = SampleRecords.step(2);
        CountSketch a = new CountSketch(5, 4, 1);
        CountSketch b = new CountSketch(5, 4, 2);
        Step bad = good.toBuilder()
                .setGradient(Vectors.sketch(a.apply(new float[5]), 5, 1))
                .setDelta(Vectors.sketch(b.apply(new float[5]), 5, 2)).build();
        assertThatThrownBy(() -> WireRecords.decode(WireRecords.encode(bad))).hasMessageContaining("sketched differently");
    }

    @Test
    void representationsParseAndPrint() {
        assertThat(VectorRepresentation.parse("full")).isEqualTo(VectorRepresentation.FULL);
        assertThat(VectorRepresentation.parse("HALF")).isEqualTo(VectorRepresentation.HALF);
        assertThat(VectorRepresentation.parse("sketch").sketchSize()).isEqualTo(1024);
        assertThat(VectorRepresentation.parse("sketch:256").toString()).isEqualTo("sketch:256");
        assertThatThrownBy(() -> VectorRepresentation.parse("sketch:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> VectorRepresentation.parse("sparse")).hasMessageContaining("full, half, sketch");
        assertThatThrownBy(() -> VectorRepresentation.sketch(0)).hasMessageContaining("k >= 1");
    }
}
