package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StepScalarsCalculatorTest {

    @Test
    void matchesABruteForceReference() {
        Random r = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int d = 1 + r.nextInt(500);
            float[] g = rand(r, d), theta = rand(r, d), prev = rand(r, d), theta0 = rand(r, d), pg = rand(r, d), pd = rand(r, d);
            float[] delta = new float[d];
            StepScalarsCalculator.Result out = new StepScalarsCalculator.Result();
            StepScalarsCalculator.compute(g, theta, prev, theta0, pg, pd, delta, out);
            double gg = 0, dd = 0, tt = 0, ee = 0, gd = 0, gpg = 0, gpd = 0;
            for (int i = 0; i < d; i++) {
                double di = (double) theta[i] - prev[i];
                assertThat(delta[i]).isEqualTo(theta[i] - prev[i]);
                gg += (double) g[i] * g[i];
                dd += di * di;
                tt += (double) theta[i] * theta[i];
                ee += ((double) theta[i] - theta0[i]) * ((double) theta[i] - theta0[i]);
                gd += g[i] * di;
                gpg += (double) g[i] * pg[i];
                gpd += (double) g[i] * pd[i];
            }
            // Sums run in float over blocks of 256 and in double across blocks: each block sum carries a
            // relative error of at most ~256 * 2^-24 ≈ 1.5e-5 of its absolute terms, typically ~1e-7; the
            // bar is 1e-6 relative for norms and 1e-6 of ‖a‖‖b‖ for inner products.
            assertThat(out.gradNorm).isCloseTo(Math.sqrt(gg), within(1e-6 * Math.sqrt(gg)));
            assertThat(out.deltaNorm).isCloseTo(Math.sqrt(dd), within(1e-6 * Math.sqrt(dd)));
            assertThat(out.paramNorm).isCloseTo(Math.sqrt(tt), within(1e-6 * Math.sqrt(tt)));
            assertThat(out.displacement).isCloseTo(Math.sqrt(ee), within(1e-6 * Math.sqrt(ee)));
            assertThat(out.gradDotDelta).isCloseTo(gd, within(1e-6 * Math.sqrt(gg * dd)));
            double pgg = 0, pdd = 0;
            for (int i = 0; i < d; i++) {
                pgg += (double) pg[i] * pg[i];
                pdd += (double) pd[i] * pd[i];
            }
            assertThat(out.gradDotPrevGrad).isCloseTo(gpg, within(1e-6 * Math.sqrt(gg * pgg)));
            assertThat(out.gradDotPrevDelta).isCloseTo(gpd, within(1e-6 * Math.sqrt(gg * pdd)));
        }
    }

    /** The fused pass (scale, scalars, two sketches) equals the separate steps it replaces. */
    @Test
    void fusedScalingAndSketchingEqualTheSeparateSteps() {
        Random r = new Random(9);
        int d = 3000;
        float[] g = rand(r, d), theta = rand(r, d), prev = rand(r, d), theta0 = rand(r, d), pg = rand(r, d), pd = rand(r, d);
        float[] gSeparate = g.clone();
        for (int i = 0; i < d; i++) {
            gSeparate[i] *= 1f / 64;
        }
        float[] deltaSeparate = new float[d];
        StepScalarsCalculator.Result separate = new StepScalarsCalculator.Result();
        StepScalarsCalculator.compute(gSeparate, theta, prev, theta0, pg, pd, deltaSeparate, separate);
        dev.canyon.kernels.sketch.CountSketch cs = new dev.canyon.kernels.sketch.CountSketch(d, 128, 4);

        float[] sg = new float[128], sd = new float[128], delta = new float[d];
        StepScalarsCalculator.Result fused = new StepScalarsCalculator.Result();
        StepScalarsCalculator.compute(g, 1f / 64, theta, prev, theta0, pg, pd, delta, cs, sg, sd, null, fused);
        assertThat(g).containsExactly(gSeparate);
        assertThat(delta).containsExactly(deltaSeparate);
        assertThat(fused.gradNorm).isEqualTo(separate.gradNorm);
        assertThat(fused.gradDotPrevDelta).isEqualTo(separate.gradDotPrevDelta);
        assertThat(sg).containsExactly(cs.apply(gSeparate));
        assertThat(sd).containsExactly(cs.apply(deltaSeparate));
    }

    /** Per-tensor scalars add up to the whole model's and match each tensor's own brute-force sums. */
    @Test
    void perTensorScalarsTileTheModel() {
        Random r = new Random(3);
        int d = 1000;
        int[] ends = {300, 310, 990, 1000};
        float[] g = rand(r, d), theta = rand(r, d), prev = rand(r, d), theta0 = rand(r, d), pg = rand(r, d), pd = rand(r, d);
        StepScalarsCalculator.Result out = StepScalarsCalculator.Result.withTensors(ends.length);
        StepScalarsCalculator.compute(g, 1f, theta, prev, theta0, pg, pd, new float[d], null, null, null, ends, out);
        double total = 0;
        int start = 0;
        for (int t = 0; t < ends.length; t++) {
            double gg = 0, gpd = 0;
            for (int i = start; i < ends[t]; i++) {
                gg += (double) g[i] * g[i];
                gpd += (double) g[i] * pd[i];
            }
            assertThat(out.tensors[t].gradNorm).isCloseTo(Math.sqrt(gg), within(1e-6 * Math.sqrt(gg)));
            assertThat(out.tensors[t].gradDotPrevDelta).isCloseTo(gpd, within(1e-5 * Math.sqrt(gg * (ends[t] - start))));
            total += out.tensors[t].gradNorm * out.tensors[t].gradNorm;
            start = ends[t];
        }
        assertThat(out.gradNorm).isCloseTo(Math.sqrt(total), within(1e-9 * Math.sqrt(total)));
    }

    @Test
    void firstStepHasNoPreviousInnerProducts() {
        float[] v = {1f, 2f};
        StepScalarsCalculator.Result out = new StepScalarsCalculator.Result();
        StepScalarsCalculator.compute(v, v, new float[2], new float[2], null, null, new float[2], out);
        assertThat(out.gradDotPrevGrad).isZero();
        assertThat(out.gradDotPrevDelta).isZero();
        assertThat(out.deltaNorm).isEqualTo(Math.sqrt(5));
    }

    @Test
    void nanPropagatesInsteadOfVanishing() {
        float[] g = {Float.NaN, 1f};
        StepScalarsCalculator.Result out = new StepScalarsCalculator.Result();
        StepScalarsCalculator.compute(g, new float[2], new float[2], new float[2], null, null, new float[2], out);
        assertThat(out.gradNorm).isNaN();
    }

    private static float[] rand(Random r, int d) {
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
