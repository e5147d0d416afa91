package dev.canyon.trainer.telemetry;

import dev.canyon.kernels.sketch.CountSketch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused pass of {@link StepScalarsCalculator} with the JDK's Vector API (incubating in Java 17:
 * loaded only when the JVM runs with {@code --add-modules jdk.incubator.vector}; otherwise this class
 * is never touched and the scalar kernel runs). Same arithmetic as the scalar kernel: float partial
 * sums over blocks of {@value StepScalarsCalculator#BLOCK} values (here in vector lanes, then summed
 * across lanes), double across blocks; the products themselves are exact float products, so the
 * results differ from the scalar kernel's only in the order of the float additions within a block
 * (relative differences of about 1e-7). Δθ and the scaled gradient are bit-identical to the scalar
 * kernel's, and so are the sketches: each bucket still receives its coordinates in increasing order,
 * and ±1·x + b is exact whether fused or not.
 *
 * <p>Why: C2 does not vectorise float reductions (their order is fixed by the language), and the
 * seven running sums are the bulk of the pass; with 16 lanes (AVX-512) the pass runs about three
 * times faster than the scalar kernel at d = 0.5M (docs/benchmarks.md).
 */
final class VectorStepKernel implements StepScalarsCalculator.Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public String name() {
        // Fewer than 4 lanes would not pay for the lane sums: the caller then keeps the scalar kernel.
        return S.length() >= 4 ? "vector (" + S.length() + " lanes)" : null;
    }

    @Override
    public void block(float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
            float[] prevDelta, float[] deltaOut, int start, int end, boolean hasPrev, float[] sums) {
        int lanes = S.length();
        FloatVector vgg = FloatVector.zero(S), vdd = vgg, vtt = vgg, vdisp = vgg, vgd = vgg, vgpg = vgg, vgpd = vgg;
        int i = start;
        int upper = start + S.loopBound(end - start);
        if (hasPrev) {
            for (; i < upper; i += lanes) {
                FloatVector gi = FloatVector.fromArray(S, g, i).mul(gradScale);
                gi.intoArray(g, i);
                FloatVector ti = FloatVector.fromArray(S, theta, i);
                FloatVector di = ti.sub(FloatVector.fromArray(S, prevTheta, i));
                di.intoArray(deltaOut, i);
                FloatVector ei = ti.sub(FloatVector.fromArray(S, theta0, i));
                vgg = gi.fma(gi, vgg);
                vdd = di.fma(di, vdd);
                vtt = ti.fma(ti, vtt);
                vdisp = ei.fma(ei, vdisp);
                vgd = gi.fma(di, vgd);
                vgpg = gi.fma(FloatVector.fromArray(S, prevG, i), vgpg);
                vgpd = gi.fma(FloatVector.fromArray(S, prevDelta, i), vgpd);
            }
        } else {
            // The first step: the same loop without the two products with the previous step's vectors.
            for (; i < upper; i += lanes) {
                FloatVector gi = FloatVector.fromArray(S, g, i).mul(gradScale);
                gi.intoArray(g, i);
                FloatVector ti = FloatVector.fromArray(S, theta, i);
                FloatVector di = ti.sub(FloatVector.fromArray(S, prevTheta, i));
                di.intoArray(deltaOut, i);
                FloatVector ei = ti.sub(FloatVector.fromArray(S, theta0, i));
                vgg = gi.fma(gi, vgg);
                vdd = di.fma(di, vdd);
                vtt = ti.fma(ti, vtt);
                vdisp = ei.fma(ei, vdisp);
                vgd = gi.fma(di, vgd);
            }
        }
        float bgg = vgg.reduceLanes(VectorOperators.ADD);
        float bdd = vdd.reduceLanes(VectorOperators.ADD);
        float btt = vtt.reduceLanes(VectorOperators.ADD);
        float bdisp = vdisp.reduceLanes(VectorOperators.ADD);
        float bgd = vgd.reduceLanes(VectorOperators.ADD);
        float bgpg = hasPrev ? vgpg.reduceLanes(VectorOperators.ADD) : 0f;
        float bgpd = hasPrev ? vgpd.reduceLanes(VectorOperators.ADD) : 0f;
        for (; i < end; i++) {
            float gi = g[i] * gradScale;
            g[i] = gi;
            float ti = theta[i];
            float di = ti - prevTheta[i];
            deltaOut[i] = di;
            float ei = ti - theta0[i];
            bgg += gi * gi;
            bdd += di * di;
            btt += ti * ti;
            bdisp += ei * ei;
            bgd += gi * di;
            if (hasPrev) {
                bgpg += gi * prevG[i];
                bgpd += gi * prevDelta[i];
            }
        }
        sums[0] = bgg;
        sums[1] = bdd;
        sums[2] = btt;
        sums[3] = bdisp;
        sums[4] = bgd;
        sums[5] = bgpg;
        sums[6] = bgpd;
    }

    /**
     * Adds coordinates [from, to) of g and Δθ to their sketches: the coordinates of one sketch block go
     * to a cyclically shifted run of buckets, so each run is two contiguous segments (CountSketch).
     */
    @Override
    public void sketch(float[] g, float[] delta, int from, int to, CountSketch sketch, float[] sketchG, float[] sketchDelta) {
        float[] signs = sketch.signsView();
        int k = sketch.size();
        int i = from;
        while (i < to) {
            int bucket = sketch.bucket(i);
            int blockEnd = Math.min(to, (i / k + 1) * k);
            int run = Math.min(blockEnd - i, k - bucket);
            addSigned(g, delta, i, bucket, run, signs, sketchG, sketchDelta);
            i += run;
        }
    }

    private static void addSigned(float[] x, float[] y, int i, int bucket, int n, float[] signs, float[] outX, float[] outY) {
        int lanes = S.length();
        int j = 0;
        int upper = S.loopBound(n);
        for (; j < upper; j += lanes) {
            FloatVector s = FloatVector.fromArray(S, signs, i + j);
            FloatVector.fromArray(S, outX, bucket + j).add(s.mul(FloatVector.fromArray(S, x, i + j))).intoArray(outX, bucket + j);
            FloatVector.fromArray(S, outY, bucket + j).add(s.mul(FloatVector.fromArray(S, y, i + j))).intoArray(outY, bucket + j);
        }
        for (; j < n; j++) {
            outX[bucket + j] += signs[i + j] * x[i + j];
            outY[bucket + j] += signs[i + j] * y[i + j];
        }
    }
}
