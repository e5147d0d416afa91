package dev.canyon.kernels.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorOpsTest {

    /**
     * The contract is the accumulation order (one double accumulator, index order), so the results
     * are compared bit for bit against that loop written out, on vectors whose sums do round.
     */
    @Test
    void sumsInIndexOrderInDouble() {
        Random r = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int n = r.nextInt(300);
            float[] a = new float[n];
            float[] b = new float[n];
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
                b[i] = (float) r.nextGaussian();
                x[i] = r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4);
                y[i] = r.nextGaussian();
            }
            double fdot = 0, fss = 0, fdist = 0, ddot = 0, dss = 0, ddist = 0;
            for (int i = 0; i < n; i++) {
                fdot += (double) a[i] * b[i];
                fss += (double) a[i] * a[i];
                double fd = (double) a[i] - b[i];
                fdist += fd * fd;
                ddot += x[i] * y[i];
                dss += x[i] * x[i];
                double dd = x[i] - y[i];
                ddist += dd * dd;
            }
            assertThat(VectorOps.dot(a, b)).isEqualTo(fdot);
            assertThat(VectorOps.squaredNorm(a)).isEqualTo(fss).isEqualTo(VectorOps.dot(a, a));
            assertThat(VectorOps.norm(a)).isEqualTo(Math.sqrt(fss));
            assertThat(VectorOps.squaredDistance(a, b)).isEqualTo(fdist);
            assertThat(VectorOps.distance(a, b)).isEqualTo(Math.sqrt(fdist));
            assertThat(VectorOps.dot(x, y)).isEqualTo(ddot);
            assertThat(VectorOps.squaredNorm(x)).isEqualTo(dss).isEqualTo(VectorOps.dot(x, x));
            assertThat(VectorOps.norm(x)).isEqualTo(Math.sqrt(dss));
            assertThat(VectorOps.squaredDistance(x, y)).isEqualTo(ddist);
            assertThat(VectorOps.distance(x, y)).isEqualTo(Math.sqrt(ddist));
        }
    }

    /** Floats are widened before they are multiplied: a product beyond float range is still finite. */
    @Test
    void floatsAreWidenedFirst() {
        float[] big = {3e20f, 4e20f};
        assertThat((double) big[0] * big[0]).isGreaterThan(Float.MAX_VALUE);
        assertThat(VectorOps.norm(big)).isCloseTo(5e20, org.assertj.core.api.Assertions.within(1e-6 * 5e20));
        assertThat(VectorOps.distance(big, new float[] {-3e20f, 0})).isFinite();
    }

    @Test
    void emptyNanInfinityAndMismatchedLengths() {
        assertThat(VectorOps.dot(new float[0], new float[0])).isZero();
        assertThat(VectorOps.norm(new double[0])).isZero();
        assertThat(VectorOps.dot(new double[] {1, Double.NaN}, new double[] {1, 1})).isNaN();
        assertThat(VectorOps.norm(new float[] {Float.POSITIVE_INFINITY})).isInfinite();
        assertThat(VectorOps.distance(new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.POSITIVE_INFINITY})).isNaN();
        assertThatThrownBy(() -> VectorOps.dot(new float[2], new float[3])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 and 3 values");
        assertThatThrownBy(() -> VectorOps.squaredDistance(new double[3], new double[2]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
