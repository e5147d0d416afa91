package dev.canyon.trainer.probe;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which probes run when, and how hard they work. Named cost presets: {@link #OFF}, {@link
 * #ECONOMY} (a few percent of training time on a small MLP) and {@link #FULL}; any other plan with
 * {@link #builder()}, or a preset changed through {@link #toBuilder()}.
 *
 * @param curvature same-batch curvature along the step and along the gradient (2 gradient
 *     evaluations and one Hessian-vector product, i.e. 4 gradient evaluations)
 * @param hessian Hessian extremes and trace on the fixed probe batch (2 gradient evaluations per
 *     Hessian-vector product: iterations + traceSamples products)
 * @param linearPath loss along θ(α) = (1−α)θ_0 + αθ_t on the probe batches (one forward pass per α
 *     and batch)
 * @param iterations Lanczos steps for λmax and λmin (memory: that many vectors of d doubles)
 * @param traceSamples Rademacher vectors for the Hutchinson trace
 * @param alphas the α grid of the linear path
 * @param relativeStep finite-difference step of Hessian-vector products, relative to max(1, ‖θ‖)
 * @param snapshots full weight snapshots θ_t to {@code canyon.snapshots} (θ_0 too, as step 0, when
 *     any is scheduled); 4·d bytes each
 * @param gradientNoise same-point gradients ({@code dev.canyon.kernels.noise.SamePointGradients}): the step's batch split into
 *     {@code noiseParts} parts, one gradient of each at θ_t (together one gradient evaluation of the
 *     batch); the unbiased ‖∇L‖² and tr Σ the obstacle state is decided with
 * @param noiseParts parts of the same-point probe (at least 2; fewer when the batch is smaller than
 *     2 examples a part)
 */
public record ProbePlan(Schedule curvature, Schedule hessian, Schedule linearPath, int iterations, int traceSamples,
        double[] alphas, double relativeStep, Schedule snapshots, Schedule gradientNoise, int noiseParts) {

    /** Parts of the same-point probe unless set: four give a jackknife standard error with three degrees of freedom. */
    public static final int DEFAULT_NOISE_PARTS = 4;

    /** α from −0.5 to 1.5 in steps of 0.1 (Goodfellow et al. 2015 plot a similar range). */
    public static final double[] DEFAULT_ALPHAS = grid(-0.5, 1.5, 21);

    /** No probes. */
    public static final ProbePlan OFF = new ProbePlan(Schedule.never(), Schedule.never(), Schedule.never(), 0, 0,
            DEFAULT_ALPHAS, 1e-3, Schedule.never(), Schedule.never(), DEFAULT_NOISE_PARTS);
    /**
     * Curvature and same-point gradients every 25 steps, Hessian extremes every 500, linear path and a
     * snapshot every 1,000 (and at step 1).
     */
    public static final ProbePlan ECONOMY = new ProbePlan(Schedule.firstAndEvery(50), Schedule.firstAndEvery(500),
            Schedule.firstAndEvery(1000), 20, 10, DEFAULT_ALPHAS, 1e-3, Schedule.every(1000), Schedule.firstAndEvery(25),
            DEFAULT_NOISE_PARTS);
    /**
     * Curvature and same-point gradients every 10 steps, Hessian extremes every 100, linear path and a
     * snapshot every 200 (and at step 1).
     */
    public static final ProbePlan FULL = new ProbePlan(Schedule.firstAndEvery(10), Schedule.firstAndEvery(100),
            Schedule.firstAndEvery(200), 30, 20, DEFAULT_ALPHAS, 1e-3, Schedule.every(200), Schedule.firstAndEvery(10),
            DEFAULT_NOISE_PARTS);

    public ProbePlan {
        if (iterations < 0 || traceSamples < 0) {
            throw new IllegalArgumentException("iterations and trace samples must be >= 0");
        }
        if (alphas == null || alphas.length == 0) {
            throw new IllegalArgumentException("the linear path needs at least one alpha");
        }
        alphas = alphas.clone();
        snapshots = snapshots == null ? Schedule.never() : snapshots;
        gradientNoise = gradientNoise == null ? Schedule.never() : gradientNoise;
        if (noiseParts < 2) {
            throw new IllegalArgumentException("the same-point probe needs at least 2 parts, got " + noiseParts);
        }
        if (!(relativeStep > 0)) {
            throw new IllegalArgumentException("relative finite-difference step must be positive, got " + relativeStep);
        }
    }

    /** The preset named {@code off}, {@code economy} or {@code full}. */
    public static ProbePlan preset(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "off":
                return OFF;
            case "economy":
                return ECONOMY;
            case "full":
                return FULL;
            default:
                throw new IllegalArgumentException("probe preset must be off, economy or full, got '" + name + "'");
        }
    }

    /** A builder starting from {@link #OFF}: no probe scheduled, the default α grid and finite-difference step. */
    public static Builder builder() {
        return OFF.toBuilder();
    }

    /** A builder holding this plan, to change some of its settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The same plan with every probe at every step (tests). */
    public static ProbePlan everyStep(int iterations, int traceSamples, double relativeStep) {
        return builder().curvature(step -> true).hessian(step -> true).linearPath(step -> true).gradientNoise(step -> true)
                .iterations(iterations)
                .traceSamples(traceSamples).relativeStep(relativeStep).build();
    }

    /** Builds a {@link ProbePlan}; {@link #build()} validates. */
    public static final class Builder {
        private Schedule curvature;
        private Schedule hessian;
        private Schedule linearPath;
        private int iterations;
        private int traceSamples;
        private double[] alphas;
        private double relativeStep;
        private Schedule snapshots;
        private Schedule gradientNoise;
        private int noiseParts;

        private Builder(ProbePlan p) {
            curvature = p.curvature;
            hessian = p.hessian;
            linearPath = p.linearPath;
            iterations = p.iterations;
            traceSamples = p.traceSamples;
            alphas = p.alphas;
            relativeStep = p.relativeStep;
            snapshots = p.snapshots;
            gradientNoise = p.gradientNoise;
            noiseParts = p.noiseParts;
        }

        /** When the same-point gradient probe runs. */
        public Builder gradientNoise(Schedule s) {
            this.gradientNoise = s;
            return this;
        }

        /** Parts of the same-point probe (at least 2). */
        public Builder noiseParts(int parts) {
            this.noiseParts = parts;
            return this;
        }

        /** When same-batch curvature runs. */
        public Builder curvature(Schedule s) {
            this.curvature = s;
            return this;
        }

        /** When the Hessian extremes and trace run. */
        public Builder hessian(Schedule s) {
            this.hessian = s;
            return this;
        }

        /** When the linear-path probe runs. */
        public Builder linearPath(Schedule s) {
            this.linearPath = s;
            return this;
        }

        /** Lanczos steps for λmax and λmin. */
        public Builder iterations(int n) {
            this.iterations = n;
            return this;
        }

        /** Rademacher vectors for the Hutchinson trace. */
        public Builder traceSamples(int n) {
            this.traceSamples = n;
            return this;
        }

        /** The α grid of the linear path. */
        public Builder alphas(double... a) {
            this.alphas = a;
            return this;
        }

        /** Finite-difference step of Hessian-vector products, relative to max(1, ‖θ‖) (float64 models can take a much smaller one). */
        public Builder relativeStep(double step) {
            this.relativeStep = step;
            return this;
        }

        /** When full weight snapshots are taken (θ_0 too, as step 0, before the first). */
        public Builder snapshots(Schedule s) {
            this.snapshots = s;
            return this;
        }

        /** The plan; throws IllegalArgumentException for an invalid setting. */
        public ProbePlan build() {
            return new ProbePlan(curvature, hessian, linearPath, iterations, traceSamples, alphas, relativeStep, snapshots,
                    gradientNoise, noiseParts);
        }
    }

    static double[] grid(double from, double to, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.round((from + (to - from) * i / (n - 1)) * 1e9) / 1e9;
        }
        return a;
    }

    @Override
    public String toString() {
        return "ProbePlan[iterations=" + iterations + ", traceSamples=" + traceSamples + ", alphas=" + Arrays.toString(alphas) + "]";
    }
}
