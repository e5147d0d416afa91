package dev.canyon.trainer.telemetry;

import dev.canyon.kernels.sketch.CountSketch;

/**
 * The exact per-step scalars of DESIGN.md, computed in one fused pass over float arrays (no ND4J
 * ops, no allocation per step): ‖g_t‖, ‖Δθ_t‖, ‖θ_t‖, ‖θ_t − θ_0‖, ⟨g_t, Δθ_t⟩, ⟨g_t, g_{t−1}⟩,
 * ⟨g_t, Δθ_{t−1}⟩. It also writes Δθ_t = θ_t − θ_{t−1} into a caller's buffer. Sums are in float
 * over blocks of {@value #BLOCK} values and in double across blocks (relative error about 1e-7 for
 * norms; inner products of nearly orthogonal vectors are exact to about 1e-7 of ‖a‖‖b‖).
 *
 * <p>Cost: one read of five d-length arrays and one write of one. NaN or infinite inputs propagate
 * into the results (the publisher decides what to do with them).
 */
public final class StepScalarsCalculator {
    /** Values summed in float before the sum joins the double total. */
    static final int BLOCK = 256;
    /** Values sketched at once, at least (4 blocks: 8 KB of g and Δθ, still in the first-level cache). */
    static final int SKETCH_SPAN = 4 * BLOCK;
    /** The sums a block yields, in the order of {@link Kernel#block}. */
    static final int SUMS = 7;

    /** Results of one step, for the whole model and (if asked) per tensor; reused between calls. */
    public static final class Result {
        public double gradNorm;
        public double deltaNorm;
        public double paramNorm;
        public double displacement;
        public double gradDotDelta;
        public double gradDotPrevGrad;
        public double gradDotPrevDelta;
        /** Per tensor (same order as the tensor ends given to compute): the same seven scalars. */
        public Result[] tensors = new Result[0];
        /** Scratch for one block's, one tensor's and the model's sums, reused between calls (no allocation per step). */
        final float[] blockSums = new float[SUMS];
        final double[] tensorSums = new double[SUMS];
        final double[] totalSums = new double[SUMS];

        /** The scalars from the sums of {@link Kernel#block}'s order: norms are their square roots. */
        void set(double[] sums) {
            gradNorm = Math.sqrt(sums[0]);
            deltaNorm = Math.sqrt(sums[1]);
            paramNorm = Math.sqrt(sums[2]);
            displacement = Math.sqrt(sums[3]);
            gradDotDelta = sums[4];
            gradDotPrevGrad = sums[5];
            gradDotPrevDelta = sums[6];
        }

        /** A result with room for {@code n} tensors. */
        public static Result withTensors(int n) {
            Result r = new Result();
            r.tensors = new Result[n];
            for (int i = 0; i < n; i++) {
                r.tensors[i] = new Result();
            }
            return r;
        }
    }

    private StepScalarsCalculator() {}

    /**
     * Computes the scalars of step t.
     *
     * @param g mean gradient g_t
     * @param theta parameters θ_t after the step
     * @param prevTheta parameters θ_{t−1}
     * @param theta0 initial parameters θ_0
     * @param prevG g_{t−1}, or null at the first step (inner products with it are then 0)
     * @param prevDelta Δθ_{t−1}, or null at the first step
     * @param deltaOut receives Δθ_t
     * @param out receives the scalars
     */
    public static void compute(float[] g, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
            float[] prevDelta, float[] deltaOut, Result out) {
        compute(g, 1f, theta, prevTheta, theta0, prevG, prevDelta, deltaOut, null, null, null, null, out);
    }

    /**
     * The same pass, fused with two more jobs so that the d-sized arrays are read once: {@code g}
     * is first multiplied in place by {@code gradScale} (DL4J leaves the batch sum, this makes it the
     * mean), and when {@code sketch} is not null the sketches of g_t and Δθ_t are accumulated into
     * {@code sketchG} and {@code sketchDelta} (zeroed here first). With {@code tensorEnds} (the
     * exclusive end of each parameter tensor in the flattened vector, ascending, the last equal to d)
     * the scalars are also computed per tensor into {@code out.tensors} (one result per tensor).
     */
    public static void compute(float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
            float[] prevDelta, float[] deltaOut, CountSketch sketch, float[] sketchG, float[] sketchDelta, int[] tensorEnds,
            Result out) {
        compute(KERNEL, g, gradScale, theta, prevTheta, theta0, prevG, prevDelta, deltaOut, sketch, sketchG, sketchDelta,
                tensorEnds, out);
    }

    /** The same pass with {@code kernel}. */
    static void compute(Kernel kernel, float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0,
            float[] prevG, float[] prevDelta, float[] deltaOut, CountSketch sketch, float[] sketchG, float[] sketchDelta,
            int[] tensorEnds, Result out) {
        int d = g.length;
        if (sketch != null) {
            if (sketch.dimension() != d || sketchG.length != sketch.size() || sketchDelta.length != sketch.size()) {
                throw new IllegalArgumentException("sketch shape does not match the model's " + d + " parameters");
            }
            java.util.Arrays.fill(sketchG, 0f);
            java.util.Arrays.fill(sketchDelta, 0f);
        }
        if (theta.length != d || prevTheta.length != d || theta0.length != d || deltaOut.length != d
                || (prevG != null && prevG.length != d) || (prevDelta != null && prevDelta.length != d)) {
            throw new IllegalArgumentException("all vectors must have the model's " + d + " parameters");
        }
        int[] ends = tensorEnds == null ? new int[] {d} : tensorEnds;
        if (ends.length == 0 || ends[ends.length - 1] != d || (tensorEnds != null && out.tensors.length != ends.length)) {
            throw new IllegalArgumentException("tensor ends must end at " + d + " with one result per tensor");
        }
        pass(kernel, g, gradScale, theta, prevTheta, theta0, prevG, prevDelta, deltaOut, sketch, sketchG, sketchDelta, ends,
                tensorEnds != null, out);
    }

    /**
     * The pass, the same for every kernel: tensors cut into blocks of {@value #BLOCK}, each block's
     * float sums ({@link Kernel#block}) added in double per tensor and over the model, and the
     * coordinates sketched ({@link Kernel#sketch}) in spans of at least {@value #SKETCH_SPAN} values
     * while they are in cache (across blocks and tensors: the sketch does not care; each bucket still
     * gets its coordinates in increasing order, so the sketches equal {@link CountSketch#apply}'s).
     */
    private static void pass(Kernel kernel, float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0,
            float[] prevG, float[] prevDelta, float[] deltaOut, CountSketch sketch, float[] sketchG, float[] sketchDelta,
            int[] ends, boolean perTensor, Result out) {
        boolean hasPrev = prevG != null && prevDelta != null;
        float[] b = out.blockSums;
        double[] total = out.totalSums;
        double[] tensor = out.tensorSums;
        java.util.Arrays.fill(total, 0);
        int sketchFrom = 0;
        int tensorStart = 0;
        for (int t = 0; t < ends.length; t++) {
            java.util.Arrays.fill(tensor, 0);
            for (int start = tensorStart; start < ends[t]; start += BLOCK) {
                int end = Math.min(ends[t], start + BLOCK);
                kernel.block(g, gradScale, theta, prevTheta, theta0, prevG, prevDelta, deltaOut, start, end, hasPrev, b);
                for (int k = 0; k < SUMS; k++) {
                    tensor[k] += b[k];
                }
                if (sketch != null && (end - sketchFrom >= SKETCH_SPAN || end == g.length)) {
                    kernel.sketch(g, deltaOut, sketchFrom, end, sketch, sketchG, sketchDelta);
                    sketchFrom = end;
                }
            }
            if (perTensor) {
                out.tensors[t].set(tensor);
            }
            for (int k = 0; k < SUMS; k++) {
                total[k] += tensor[k];
            }
            tensorStart = ends[t];
        }
        out.set(total);
    }

    /** The kernel in use: "vector (N lanes)" or "scalar" (see the class comment). */
    public static String kernelName() {
        return KERNEL.name();
    }

    /** The scalar kernel, whatever the JVM offers (tests, benchmarks). */
    static Kernel scalarKernel() {
        return SCALAR;
    }

    /** The kernel {@link #compute} uses. */
    static Kernel kernel() {
        return KERNEL;
    }

    /** The arithmetic of the fused pass; {@link #pass} drives it over blocks, tensors and sketch spans. */
    interface Kernel {
        String name();

        /**
         * One block [start, end) of at most {@value #BLOCK} values: scales g in place, writes Δθ, and puts
         * the block's float sums of g·g, Δθ·Δθ, θ·θ, (θ−θ_0)·(θ−θ_0), g·Δθ, g·g_{t−1}, g·Δθ_{t−1} (the last
         * two 0 without {@code hasPrev}) into {@code sums}.
         */
        void block(float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
                float[] prevDelta, float[] deltaOut, int start, int end, boolean hasPrev, float[] sums);

        /** Adds coordinates [from, to) of g and Δθ (already written) to their sketches. */
        void sketch(float[] g, float[] delta, int from, int to, CountSketch sketch, float[] sketchG, float[] sketchDelta);
    }

    private static final Kernel SCALAR = new ScalarKernel();
    private static final Kernel KERNEL = pickKernel();

    /**
     * The Vector API kernel when the JVM resolved {@code jdk.incubator.vector} (started with {@code
     * --add-modules jdk.incubator.vector}) and its preferred vectors hold at least 4 floats, unless the
     * system property {@code canyon.vectorKernel} is {@code false}; else the scalar kernel.
     */
    private static Kernel pickKernel() {
        if ("false".equalsIgnoreCase(System.getProperty("canyon.vectorKernel"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return SCALAR;
        }
        try {
            Kernel k = (Kernel) Class.forName(StepScalarsCalculator.class.getPackageName() + ".VectorStepKernel")
                    .getDeclaredConstructor().newInstance();
            return k.name() == null ? SCALAR : k;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return SCALAR;
        }
    }

    /** The kernel in plain Java: float sums over a block (C2 does not vectorise these reductions). */
    private static final class ScalarKernel implements Kernel {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public void block(float[] g, float gradScale, float[] theta, float[] prevTheta, float[] theta0, float[] prevG,
                float[] prevDelta, float[] deltaOut, int start, int end, boolean hasPrev, float[] sums) {
            float bgg = 0, bdd = 0, btt = 0, bdisp = 0, bgd = 0, bgpg = 0, bgpd = 0;
            for (int i = start; i < end; i++) {
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
            }
            if (hasPrev) {
                for (int i = start; i < end; i++) {
                    bgpg += g[i] * prevG[i];
                    bgpd += g[i] * prevDelta[i];
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

        @Override
        public void sketch(float[] g, float[] delta, int from, int to, CountSketch sketch, float[] sketchG, float[] sketchDelta) {
            sketch.accumulate(g, from, to, sketchG);
            sketch.accumulate(delta, from, to, sketchDelta);
        }
    }
}
