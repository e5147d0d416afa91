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
    /** Values sketched at once (4 blocks: 8 KB of g and Δθ, still in the first-level cache). */
    private static final int SKETCH_SPAN = 4 * StepScalarsCalculator.BLOCK;

    @Override
    public String name() {
        // Fewer than 4 lanes would not pay for the lane sums: the caller then keeps the scalar kernel.
        return S.length() >= 4 ? "vector (" + S.length() + " lanes)" : null;
    }

    @Override
    public void pass(float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
            float[] prevDelta, float[] deltaOut, CountSketch sketch, float[] sketchG, float[] sketchDelta, int[] ends,
            boolean perTensor, StepScalarsCalculator.Result out) {
        double gg = 0, dd = 0, tt = 0, disp = 0, gd = 0, gpg = 0, gpd = 0;
        boolean hasPrev = prevG != null && prevDelta != null;
        float[] signs = sketch == null ? null : sketch.signsView();
        int lanes = S.length();
        int tensorStart = 0;
        // Coordinates [sketchFrom, end) are still to be sketched: sketched in spans of at least
        // SKETCH_SPAN values (across blocks and tensors; the sketch does not care), while they are in
        // cache, so that the runs of contiguous buckets are long and their scalar tails few.
        int sketchFrom = 0;
        for (int t = 0; t < ends.length; t++) {
            double tgg = 0, tdd = 0, ttt = 0, tdisp = 0, tgd = 0, tgpg = 0, tgpd = 0;
            for (int start = tensorStart; start < ends[t]; start += StepScalarsCalculator.BLOCK) {
                int end = Math.min(ends[t], start + StepScalarsCalculator.BLOCK);
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
                tgg += bgg;
                tdd += bdd;
                ttt += btt;
                tdisp += bdisp;
                tgd += bgd;
                tgpg += bgpg;
                tgpd += bgpd;
                if (sketch != null && (end - sketchFrom >= SKETCH_SPAN || end == g.length)) {
                    sketchBlock(g, deltaOut, sketchFrom, end, sketch, signs, sketchG, sketchDelta);
                    sketchFrom = end;
                }
            }
            if (perTensor) {
                StepScalarsCalculator.Result r = out.tensors[t];
                r.gradNorm = Math.sqrt(tgg);
                r.deltaNorm = Math.sqrt(tdd);
                r.paramNorm = Math.sqrt(ttt);
                r.displacement = Math.sqrt(tdisp);
                r.gradDotDelta = tgd;
                r.gradDotPrevGrad = tgpg;
                r.gradDotPrevDelta = tgpd;
            }
            gg += tgg;
            dd += tdd;
            tt += ttt;
            disp += tdisp;
            gd += tgd;
            gpg += tgpg;
            gpd += tgpd;
            tensorStart = ends[t];
        }
        out.gradNorm = Math.sqrt(gg);
        out.deltaNorm = Math.sqrt(dd);
        out.paramNorm = Math.sqrt(tt);
        out.displacement = Math.sqrt(disp);
        out.gradDotDelta = gd;
        out.gradDotPrevGrad = gpg;
        out.gradDotPrevDelta = gpd;
    }

    /**
     * Adds coordinates [from, to) of x and y to their sketches: the coordinates of one sketch block go
     * to a cyclically shifted run of buckets, so each run is two contiguous segments (CountSketch).
     */
    private static void sketchBlock(float[] x, float[] y, int from, int to, CountSketch sketch, float[] signs, float[] outX,
            float[] outY) {
        int k = sketch.size();
        int i = from;
        while (i < to) {
            int bucket = sketch.bucket(i);
            int blockEnd = Math.min(to, (i / k + 1) * k);
            int run = Math.min(blockEnd - i, k - bucket);
            addSigned(x, y, i, bucket, run, signs, outX, outY);
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
