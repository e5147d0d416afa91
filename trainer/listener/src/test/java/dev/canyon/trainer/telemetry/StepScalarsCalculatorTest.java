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

    /**
     * The Vector API kernel (these tests run with jdk.incubator.vector, as the launcher does) agrees
     * with the scalar kernel: Δθ, the scaled gradient and both sketches bit for bit, the scalars to the
     * float rounding of their block sums (lane order differs), on lengths that leave vector tails, per
     * tensor, with and without previous vectors.
     */
    @Test
    void vectorKernelAgreesWithTheScalarKernel() {
        assertThat(StepScalarsCalculator.kernelName()).startsWith("vector");
        Random r = new Random(11);
        for (int trial = 0; trial < 12; trial++) {
            int d = 1 + r.nextInt(5000);
            int[] ends = trial % 2 == 0 ? null : new int[] {d / 3, d / 3 + Math.min(7, d - d / 3), d};
            if (ends != null && (ends[0] == 0 || ends[1] == ends[0] || ends[1] == d)) {
                ends = null;
            }
            boolean first = trial % 3 == 0;
            float[] g = rand(r, d), theta = rand(r, d), prev = rand(r, d), theta0 = rand(r, d), pg = rand(r, d), pd = rand(r, d);
            float[] g2 = g.clone();
            int k = 1 + r.nextInt(300);
            dev.canyon.kernels.sketch.CountSketch cs = new dev.canyon.kernels.sketch.CountSketch(d, k, trial);
            float[] sgV = new float[k], sdV = new float[k], sgS = new float[k], sdS = new float[k];
            float[] deltaV = new float[d], deltaS = new float[d];
            int n = ends == null ? 0 : ends.length;
            StepScalarsCalculator.Result v = StepScalarsCalculator.Result.withTensors(n);
            StepScalarsCalculator.Result s = StepScalarsCalculator.Result.withTensors(n);
            StepScalarsCalculator.compute(StepScalarsCalculator.kernel(), g, 1f / 48, theta, prev, theta0, first ? null : pg,
                    first ? null : pd, deltaV, cs, sgV, sdV, ends, v);
            StepScalarsCalculator.compute(StepScalarsCalculator.scalarKernel(), g2, 1f / 48, theta, prev, theta0,
                    first ? null : pg, first ? null : pd, deltaS, cs, sgS, sdS, ends, s);
            assertThat(g).containsExactly(g2);
            assertThat(deltaV).containsExactly(deltaS);
            assertThat(sgV).containsExactly(sgS);
            assertThat(sdV).containsExactly(sdS);
            double pgNorm = norm(pg), pdNorm = norm(pd);
            assertAgree(v, s, pgNorm, pdNorm);
            for (int t = 0; t < n; t++) {
                assertAgree(v.tensors[t], s.tensors[t], pgNorm, pdNorm);
            }
        }
    }

    /** The scalar kernel alone against the brute-force reference (it is what JVMs without the Vector API run). */
    @Test
    void scalarKernelMatchesTheReferenceToo() {
        Random r = new Random(5);
        int d = 777;
        float[] g = rand(r, d), theta = rand(r, d), prev = rand(r, d), theta0 = rand(r, d), pg = rand(r, d), pd = rand(r, d);
        StepScalarsCalculator.Result out = new StepScalarsCalculator.Result();
        StepScalarsCalculator.compute(StepScalarsCalculator.scalarKernel(), g, 1f, theta, prev, theta0, pg, pd, new float[d],
                null, null, null, null, out);
        double gg = 0, gpd = 0, pdd = 0;
        for (int i = 0; i < d; i++) {
            gg += (double) g[i] * g[i];
            gpd += (double) g[i] * pd[i];
            pdd += (double) pd[i] * pd[i];
        }
        assertThat(out.gradNorm).isCloseTo(Math.sqrt(gg), within(1e-6 * Math.sqrt(gg)));
        assertThat(out.gradDotPrevDelta).isCloseTo(gpd, within(1e-6 * Math.sqrt(gg * pdd)));
    }

    /**
     * Norms to 1e-6 relative and inner products to 1e-6 of ‖a‖‖b‖ (for the previous vectors, bounded
     * by the whole vector's norm): the two kernels add the same exact-float products in different orders
     * within blocks of 256, each order within ~256·2^-24 of the true sum of absolute terms.
     */
    private static void assertAgree(StepScalarsCalculator.Result v, StepScalarsCalculator.Result s, double pgNorm,
            double pdNorm) {
        assertThat(v.gradNorm).isCloseTo(s.gradNorm, within(1e-6 * s.gradNorm + 1e-30));
        assertThat(v.deltaNorm).isCloseTo(s.deltaNorm, within(1e-6 * s.deltaNorm + 1e-30));
        assertThat(v.paramNorm).isCloseTo(s.paramNorm, within(1e-6 * s.paramNorm + 1e-30));
        assertThat(v.displacement).isCloseTo(s.displacement, within(1e-6 * s.displacement + 1e-30));
        assertThat(v.gradDotDelta).isCloseTo(s.gradDotDelta, within(1e-6 * s.gradNorm * s.deltaNorm + 1e-30));
        assertThat(v.gradDotPrevGrad).isCloseTo(s.gradDotPrevGrad, within(1e-6 * s.gradNorm * pgNorm + 1e-30));
        assertThat(v.gradDotPrevDelta).isCloseTo(s.gradDotPrevDelta, within(1e-6 * s.gradNorm * pdNorm + 1e-30));
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    private static float[] rand(Random r, int d) {
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
