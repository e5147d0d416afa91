package dev.canyon.kernels.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CountSketchTest {

    @Test
    void isLinearSoSketchesAddLikeTheirVectors() {
        Random r = new Random(5);
        CountSketch cs = new CountSketch(500, 64, 11);
        float[] x = gaussian(r, 500), y = gaussian(r, 500), sum = new float[500];
        for (int i = 0; i < 500; i++) {
            sum[i] = x[i] + y[i];
        }
        float[] sx = cs.apply(x), sy = cs.apply(y), ss = cs.apply(sum);
        for (int j = 0; j < 64; j++) {
            assertThat(ss[j]).isCloseTo(sx[j] + sy[j], within(1e-4f));
        }
    }

    @Test
    void sameSeedSameSketchOtherSeedOtherSketch() {
        float[] x = gaussian(new Random(1), 300);
        assertThat(new CountSketch(300, 32, 9).apply(x)).containsExactly(new CountSketch(300, 32, 9).apply(x));
        assertThat(new CountSketch(300, 32, 9).apply(x)).isNotEqualTo(new CountSketch(300, 32, 10).apply(x));
        assertThat(CountSketch.seedFor("exp-a")).isEqualTo(CountSketch.seedFor("exp-a")).isNotEqualTo(CountSketch.seedFor("exp-b"));
    }

    /** E‖Sx‖² = ‖x‖²: averaged over 400 seeds the squared norm is within 3 standard errors. */
    @Test
    void squaredNormIsUnbiased() {
        float[] x = gaussian(new Random(2), 2000);
        double exact = 0;
        for (float v : x) {
            exact += v * v;
        }
        int seeds = 400;
        int k = 128;
        double mean = 0;
        for (int s = 0; s < seeds; s++) {
            float[] sx = new CountSketch(2000, k, s).apply(x);
            double n = 0;
            for (float v : sx) {
                n += v * v;
            }
            mean += n / seeds;
        }
        // Relative std of one sketch's squared norm is about sqrt(2/k); of the mean, that / sqrt(seeds).
        double se = Math.sqrt(2.0 / k) / Math.sqrt(seeds);
        assertThat(mean / exact).isCloseTo(1.0, within(3 * se));
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> new CountSketch(0, 4, 1)).hasMessageContaining("dimension must be >= 1");
        assertThatThrownBy(() -> new CountSketch(4, 0, 1)).hasMessageContaining("k must be >= 1");
        assertThatThrownBy(() -> new CountSketch(4, 2, 1).apply(new float[3])).hasMessageContaining("4 -> 2");
    }

    @Test
    void nanPropagatesToItsBucketOnly() {
        float[] x = new float[50];
        x[7] = Float.NaN;
        float[] s = new CountSketch(50, 8, 3).apply(x);
        long nans = 0;
        for (float v : s) {
            nans += Float.isNaN(v) ? 1 : 0;
        }
        assertThat(nans).isEqualTo(1);
    }

    static float[] gaussian(Random r, int d) {
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
