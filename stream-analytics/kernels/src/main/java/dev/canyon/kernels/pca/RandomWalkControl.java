package dev.canyon.kernels.pca;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.linalg.Lanczos;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The random-walk control of trajectory PCA (seeds 000 and 002): random walks also put most of
 * their variance in the top components (for a long isotropic walk, PC i explains about 6/(π² i²):
 * 61 % and 15 % for the first two; Antognini and Sohl-Dickstein 2018), so a trajectory's explained
 * variance only means something beside that of a walk with the same step lengths. This kernel gives
 * the expected explained-variance ratios of exact PCA of such a walk: steps of the run's lengths in
 * independent, uniformly random directions of R^k, sampled at the run's sampled steps (starting
 * from the origin). It is the mean over walks, not one walk: a single walk's ratio varies by about
 * 0.014 at k = 1,024 and 0.1 at k = 8, more than the differences it is there to judge.
 *
 * <p>Method. Let τ_t be the sum of squared step lengths up to sample t (the walk's intrinsic time).
 * With isotropic increments, E⟨x_t, x_s⟩ = τ_min(t,s), and the sampled walk's covariance has the
 * distribution of (1/k) Σ_j μ_j g_j g_jᵀ, where g_j are independent standard normal vectors of R^k
 * and μ_j the eigenvalues of the centred kernel (1/n) H K H, K_ts = min(τ_t, τ_s) (exact when the
 * increments between samples are Gaussian; a sum of ten isotropic steps is close to it). So:
 * <ol>
 *   <li>μ: the samples are kept as up to {@value #POSITIONS} groups of consecutive samples (weight,
 *       mean τ̄, and spread d = τ̄ − E‖m‖², the expected scatter within the group: three numbers
 *       each), merged like {@link TrajectoryPca}'s positions (the cheapest neighbours in
 *       expectation); the groups' expected Gram matrix has the min structure, so its products cost
 *       O(groups) and {@link Lanczos} gives the top {@value #TERMS} μ_j; the expected
 *       trace E tr C = Στ_t/n − ΣΣ min(τ_t, τ_s)/n² is kept exactly, and the rest of it is the tail.
 *   <li>k → ∞ the ratios are p_i = μ_i / E tr C. For finite k, to second order in 1/√k,
 *       E[λ_i/tr] = p_i + (1/k)(Σ_{j≠i} p_i p_j/(p_i − p_j) − 2p_i² + 2p_i Σ_j p_j²) (perturbation
 *       of the near-orthogonal g_j, with the trace's fluctuation; the tail counts as p_j ≪ p_i).
 *       Used when k ≥ {@value #FORMULA_FROM} and the components are separated
 *       (√(p_i p_j) ≤ ½ √k |p_i − p_j|); otherwise the expectation is estimated by Monte Carlo over
 *       the g_j (k × k, or a Bartlett-sampled Wishart matrix of the top terms), seeded by the
 *       control's seed, with a control variate, until its standard error is below {@value
 *       #STANDARD_ERROR} (at most {@value #MAX_DRAWS} draws); below {@value #FORMULA_FROM}
 *       dimensions it runs when the spectrum has drifted and its correction to p_i is kept (see
 *       {@code correctOnSchedule}).
 * </ol>
 * Measured against the mean of exact PCA of 40 to 7,000 simulated walks (RandomWalkControlTest,
 * docs/metrics.md): within 0.003 for k from 3 to 4,096 and constant, decaying or bursty step lengths.
 *
 * <p>Cost: O(1) per step, O(groups) per sample; {@link #explainedVarianceRatios} a Lanczos solve of
 * a structured matrix, O(groups · 25²) (about 5 µs a step at one call per 50 steps), plus, only
 * for k < {@value #FORMULA_FROM} or nearly equal components, the Monte Carlo (256 to {@value
 * #MAX_DRAWS} draws of a small eigenproblem: 1 to 15 ms a call). Memory: 24 bytes per group,
 * whatever k. A NaN, infinite or negative length (or one whose square overflows) is rejected with
 * {@link IllegalArgumentException} and changes nothing. Before any step the walk holds only the
 * origin, and the ratios are empty (as they are for any walk without spread).
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}), bounded by
 * the groups it keeps: at most 114 + 24 · {@value #POSITIONS} = 3,186 bytes, whatever k and the run's
 * length.
 *
 * <table>
 *   <caption>RandomWalkControl state, version 2</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 2, kernel code {@value StateFormat#RANDOM_WALK_CONTROL}</td></tr>
 *   <tr><td>long</td><td>seed (of the Monte Carlo)</td></tr>
 *   <tr><td>long</td><td>steps taken (≥ 0)</td></tr>
 *   <tr><td>int</td><td>k, the dimension (≥ 1)</td></tr>
 *   <tr><td>double</td><td>τ, the sum of squared step lengths (finite, ≥ 0)</td></tr>
 *   <tr><td>long</td><td>n, samples (≥ 1: the origin and every sampled step)</td></tr>
 *   <tr><td>double, double</td><td>Σ_t τ_t and Σ_t Σ_s min(τ_t, τ_s) over the samples (finite, ≥ 0)</td></tr>
 *   <tr><td>int</td><td>g, groups (1 to {@value #POSITIONS}, at most n)</td></tr>
 *   <tr><td>g × (long, double, double)</td><td>each group in time order: its weight (samples, ≥ 1; the weights add up to n), its mean τ, its spread τ̄ − (1/w²) Σ Σ min(τ_t, τ_s) (≥ 0)</td></tr>
 *   <tr><td>long</td><td>samples when the Monte Carlo's correction was last computed (0 to n; 0: never, and always for k ≥ 16)</td></tr>
 *   <tr><td>3 × double</td><td>the top three p_i it was computed for (0 to 1)</td></tr>
 *   <tr><td>3 × double</td><td>its correction of the top three ratios (−1 to 1)</td></tr>
 * </table>
 *
 * <p>Version 1 states (header, long seed, long steps, int k, k floats of the walk's position, then
 * the walk's {@link TrajectoryPca} state of version 1) are still read: such a control goes on
 * simulating its one walk with version 1's PCA until its run ends, and writes version 1.
 */
public final class RandomWalkControl {
    /** Format version of the state {@link #writeTo} writes (a control restored from version 1 writes version 1). */
    public static final int SERIAL_VERSION = 2;
    /** Groups of consecutive samples kept. */
    static final int POSITIONS = 128;
    /** Eigenvalues μ_j computed; the rest is the tail. */
    static final int TERMS = 8;
    /** Eigenvalues μ_j the Monte Carlo draws; the rest is its tail. */
    static final int MONTE_CARLO_TERMS = 32;
    /** Smallest dimension for the second-order formula. */
    static final int FORMULA_FROM = 16;
    /** Most Monte Carlo draws. */
    static final int MAX_DRAWS = 2048;
    /** Change of a top p_i after which the Monte Carlo's correction is recomputed (k < 16). */
    static final double CORRECTION_DRIFT = 0.002;
    /** Standard error at which the Monte Carlo stops. */
    static final double STANDARD_ERROR = 0.0015;
    /** Components reported. */
    static final int COMPONENTS = 3;
    private static final String NAME = "RandomWalkControl";

    private final long seed;
    private long steps;
    private final int dimension;
    /** Version 1's simulated walk, for a control restored from a version 1 state; null otherwise. */
    private final Walk legacy;

    private double time;
    private long samples;
    private double timeSum;
    private double pairSum;
    private int groups;
    private final long[] weight;
    private final double[] meanTime;
    private final double[] spread;
    /** Samples when the Monte Carlo's correction was last computed (0: never), its p_i, and the correction (k < 16 only). */
    private long correctedAt;
    private final double[] correctedP;
    private final double[] correction;

    /** The control of a trajectory in R^{dimension}; {@code seed} seeds the Monte Carlo where it is needed. */
    public RandomWalkControl(int dimension, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("need dimension >= 1, got " + dimension);
        }
        this.seed = seed;
        this.dimension = dimension;
        this.legacy = null;
        this.weight = new long[POSITIONS];
        this.meanTime = new double[POSITIONS];
        this.spread = new double[POSITIONS];
        this.correctedP = new double[COMPONENTS];
        this.correction = new double[COMPONENTS];
        addSample(0);
    }

    /**
     * As {@link #RandomWalkControl(int, long)}; {@code rows}, the sketch size of version 1's
     * simulated walk, is not used (the control no longer simulates a walk).
     */
    public RandomWalkControl(int dimension, int rows, long seed) {
        this(dimension, seed);
    }

    private RandomWalkControl(long seed, long steps, Walk legacy) {
        this.seed = seed;
        this.steps = steps;
        this.dimension = legacy.position.length;
        this.legacy = legacy;
        this.weight = null;
        this.meanTime = null;
        this.spread = null;
        this.correctedP = null;
        this.correction = null;
    }

    /** A control with version 1's simulated walk, as a restored version 1 state has. */
    static RandomWalkControl versionOne(int dimension, int rows, long seed) {
        TrajectoryPca pca = TrajectoryPca.versionOne(dimension, rows);
        float[] position = new float[dimension];
        pca.update(position);
        return new RandomWalkControl(seed, 0, new Walk(position, pca));
    }

    /** Writes this control's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        if (legacy != null) {
            StateFormat.writeHeader(out, 1, StateFormat.RANDOM_WALK_CONTROL);
            out.writeLong(seed);
            out.writeLong(steps);
            out.writeInt(legacy.position.length);
            StateFormat.writeFloats(out, legacy.position);
            legacy.pca.writeTo(out);
            return;
        }
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.RANDOM_WALK_CONTROL);
        out.writeLong(seed);
        out.writeLong(steps);
        out.writeInt(dimension);
        out.writeDouble(time);
        out.writeLong(samples);
        out.writeDouble(timeSum);
        out.writeDouble(pairSum);
        out.writeInt(groups);
        for (int g = 0; g < groups; g++) {
            out.writeLong(weight[g]);
            out.writeDouble(meanTime[g]);
            out.writeDouble(spread[g]);
        }
        out.writeLong(correctedAt);
        StateFormat.writeDoubles(out, correctedP);
        StateFormat.writeDoubles(out, correction);
    }

    /** Reads a control written by {@link #writeTo} (version 1 or 2); {@link StateFormatException} if it cannot. */
    public static RandomWalkControl readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            int version = StateFormat.readHeader(i, NAME, StateFormat.RANDOM_WALK_CONTROL, 1, SERIAL_VERSION);
            long seed = i.readLong();
            long steps = StateFormat.readLong(i, NAME, "step count", 0, Long.MAX_VALUE);
            if (version == 1) {
                int k = StateFormat.readInt(i, NAME, "dimension", 1, Integer.MAX_VALUE - 8);
                float[] position = StateFormat.readFloats(i, k);
                TrajectoryPca pca;
                try {
                    pca = TrajectoryPca.readFrom(i);
                } catch (StateFormatException e) {
                    throw new StateFormatException(NAME + " state, its PCA: " + e.getMessage(), e);
                }
                if (!pca.isVersionOne()) {
                    throw new StateFormatException(NAME + " state of version 1 with a PCA of version "
                            + TrajectoryPca.SERIAL_VERSION);
                }
                if (pca.dimension() != k) {
                    throw new StateFormatException(NAME + " state: a walk in dimension " + k + " with a PCA of dimension "
                            + pca.dimension());
                }
                return new RandomWalkControl(seed, steps, new Walk(position, pca));
            }
            int k = StateFormat.readInt(i, NAME, "dimension", 1, Integer.MAX_VALUE);
            double time = readNonNegative(i, "intrinsic time");
            long samples = StateFormat.readLong(i, NAME, "sample count", 1, Long.MAX_VALUE);
            double timeSum = readNonNegative(i, "sum of sample times");
            double pairSum = readNonNegative(i, "sum of pairwise minima");
            int groups = StateFormat.readInt(i, NAME, "groups", 1, POSITIONS);
            if (groups > samples) {
                throw new StateFormatException(NAME + " state: " + groups + " groups of " + samples + " samples");
            }
            RandomWalkControl c = new RandomWalkControl(k, seed);
            long total = 0;
            for (int g = 0; g < groups; g++) {
                long w = StateFormat.readLong(i, NAME, "weight of a group", 1, samples - total);
                total += w;
                c.weight[g] = w;
                c.meanTime[g] = readNonNegative(i, "mean time of a group");
                c.spread[g] = readNonNegative(i, "spread of a group");
            }
            if (total != samples) {
                throw new StateFormatException(NAME + " state: the groups' weights add up to " + total + ", not to the " + samples
                        + " samples");
            }
            long correctedAt = StateFormat.readLong(i, NAME, "samples at the last correction", 0, samples);
            for (int j = 0; j < COMPONENTS; j++) {
                double v = i.readDouble();
                if (!(v >= 0 && v <= 1)) {
                    throw new StateFormatException(NAME + " state: a corrected ratio is " + v + ", expected 0 to 1");
                }
                c.correctedP[j] = v;
            }
            for (int j = 0; j < COMPONENTS; j++) {
                double v = i.readDouble();
                if (!(Math.abs(v) <= 1)) {
                    throw new StateFormatException(NAME + " state: a correction is " + v + ", expected -1 to 1");
                }
                c.correction[j] = v;
            }
            c.correctedAt = correctedAt;
            c.steps = steps;
            c.time = time;
            c.samples = samples;
            c.timeSum = timeSum;
            c.pairSum = pairSum;
            c.groups = groups;
            return c;
        });
    }

    private static double readNonNegative(DataInput in, String what) throws IOException {
        double v = in.readDouble();
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new StateFormatException(NAME + " state: " + what + " is " + v + ", expected a finite value >= 0");
        }
        return v;
    }

    /**
     * This control's state as bytes ({@link #writeTo}); {@link IllegalStateException} if a version 1
     * walk's PCA is beyond what a state may hold ({@link TrajectoryPca}).
     */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The control whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static RandomWalkControl heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, RandomWalkControl::readFrom);
    }

    /** Takes a step of length {@code length} whose position is sampled. */
    public void step(double length) {
        step(length, true);
    }

    /**
     * Takes a step; its position enters the PCA only when {@code sample} is true (a trajectory
     * sampled every n-th step gets a control sampled the same way).
     */
    public void step(double length, boolean sample) {
        if (!(length >= 0) || Double.isInfinite(length * length)) {
            throw new IllegalArgumentException("step length must be finite and >= 0, got " + length);
        }
        if (legacy != null) {
            legacy.step(seed, steps++, length, sample);
            return;
        }
        double next = time + length * length;
        if (Double.isInfinite(next)) {
            throw new IllegalArgumentException("step length must be finite and >= 0, got " + length
                    + " (the walk's squared lengths add up beyond double range)");
        }
        steps++;
        time = next;
        if (sample) {
            addSample(time);
        }
    }

    /** Keeps a sample at intrinsic time τ, merging the two cheapest neighbouring groups first if all are taken. */
    private void addSample(double tau) {
        if (groups == POSITIONS) {
            mergeCheapestNeighbours();
        }
        weight[groups] = 1;
        meanTime[groups] = tau;
        spread[groups] = 0;
        groups++;
        pairSum += 2 * timeSum + tau;
        timeSum += tau;
        samples++;
        correctOnSchedule();
    }

    /**
     * Merges the neighbours whose merging adds the least expected scatter, w_a w_b/(w_a + w_b)
     * E‖m_a − m_b‖² with E‖m_a − m_b‖² = (τ̄_b − τ̄_a) − d_a − d_b (d the spread).
     */
    private void mergeCheapestNeighbours() {
        int best = 0;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int p = 0; p + 1 < groups; p++) {
            double wa = weight[p];
            double wb = weight[p + 1];
            double cost = wa * wb / (wa + wb) * (meanTime[p + 1] - meanTime[p] - spread[p] - spread[p + 1]);
            if (cost < bestCost) {
                best = p;
                bestCost = cost;
            }
        }
        int a = best;
        int b = best + 1;
        double wa = weight[a];
        double wb = weight[b];
        double w = wa + wb;
        double mergedSpread = (wa * wb * (meanTime[b] - meanTime[a]) + wa * wa * spread[a] + wb * wb * spread[b]) / (w * w);
        meanTime[a] = (wa * meanTime[a] + wb * meanTime[b]) / w;
        spread[a] = Math.max(0, mergedSpread);
        weight[a] += weight[b];
        int last = groups - 1;
        System.arraycopy(weight, b + 1, weight, b, last - b);
        System.arraycopy(meanTime, b + 1, meanTime, b, last - b);
        System.arraycopy(spread, b + 1, spread, b, last - b);
        weight[last] = 0;
        meanTime[last] = 0;
        spread[last] = 0;
        groups = last;
    }

    /** Steps taken. */
    public long steps() {
        return steps;
    }

    /**
     * Expected explained-variance ratios of exact PCA of a random walk with these step lengths, for
     * its top min(r, {@value #COMPONENTS}, k) components (fewer while the walk has fewer directions
     * of spread). A control restored from version 1 gives its one walk's ratios instead.
     */
    public double[] explainedVarianceRatios(int r) {
        if (legacy != null) {
            return legacy.pca.result(r).explainedVarianceRatios();
        }
        double trace = timeSum / samples - pairSum / ((double) samples * samples);
        if (!(trace > 0) || r <= 0) {
            return new double[0];
        }
        double[] mu = expectedSpectrum(TERMS);
        if (mu.length == 0) {
            return new double[0];
        }
        int count = 0;
        double head = 0;
        double[] p = new double[mu.length];
        for (int j = 0; j < mu.length; j++) {
            p[j] = Math.max(0, mu[j]) / trace;
            head += p[j];
        }
        while (count < Math.min(Math.min(r, COMPONENTS), Math.min(dimension, mu.length)) && mu[count] > 1e-12 * mu[0]) {
            count++;
        }
        if (count == 0) {
            return new double[0];
        }
        double tail = Math.max(0, 1 - head);
        double[] out;
        if (dimension == 1) {
            out = new double[] {1};
        } else if (dimension >= FORMULA_FROM && separated(p, count)) {
            out = secondOrder(p, tail, count);
        } else if (dimension < FORMULA_FROM && correctedAt > 0) {
            // The Monte Carlo's correction to p, last computed at a sample of the schedule (addSample).
            out = new double[count];
            for (int i = 0; i < count; i++) {
                out[i] = p[i] + correction[i];
            }
        } else {
            out = monteCarlo(trace, count);
        }
        for (int i = 0; i < count; i++) {
            out[i] = Math.min(1, Math.max(0, out[i]));
        }
        if (count == dimension) {
            // Every direction of the space is a component: the ratios add up to 1 in each walk, so in the mean.
            double rest = 0;
            for (int i = 0; i < count - 1; i++) {
                rest += out[i];
            }
            out[count - 1] = Math.max(0, 1 - rest);
        }
        return out;
    }

    /**
     * E[λ_i/tr] by {@link #monteCarlo(double[], double, int)} on the top {@value #MONTE_CARLO_TERMS}
     * terms of the spectrum (its ratios depend on more of it than the series').
     */
    private double[] monteCarlo(double trace, int count) {
        double[] more = expectedSpectrum(MONTE_CARLO_TERMS);
        double[] q = new double[more.length];
        double head = 0;
        for (int j = 0; j < more.length; j++) {
            q[j] = Math.max(0, more[j]) / trace;
            head += q[j];
        }
        return monteCarlo(q, Math.max(0, 1 - head), count);
    }

    /**
     * Below {@value #FORMULA_FROM} dimensions the series does not hold and a Monte Carlo costs about
     * 10 ms, too much for every point. It runs when a sample has moved one of the top three p_i by
     * more than {@value #CORRECTION_DRIFT} since the last run, or brought 25 % more samples, and
     * keeps its correction c_i = E[λ_i/tr] − p_i, which {@link #explainedVarianceRatios} adds to the
     * current p_i: the correction depends on the spectrum's shape, which the drift bounds (adding it
     * to a p a whole 25 % of samples old was 0.0035 off on bursty steps). The check costs a Lanczos
     * solve of the top three per sample.
     */
    private void correctOnSchedule() {
        if (dimension >= FORMULA_FROM || dimension == 1 || samples < 3) {
            return;
        }
        double trace = timeSum / samples - pairSum / ((double) samples * samples);
        if (!(trace > 0)) {
            return;
        }
        if (correctedAt > 0 && samples < correctedAt + Math.max(1, correctedAt / 4)) {
            double[] now = expectedSpectrum(COMPONENTS);
            boolean drifted = false;
            for (int i = 0; i < COMPONENTS; i++) {
                double p = i < now.length ? Math.max(0, now[i]) / trace : 0;
                drifted |= !(Math.abs(p - correctedP[i]) <= CORRECTION_DRIFT);
            }
            if (!drifted) {
                return;
            }
        }
        correctedAt = samples;
        java.util.Arrays.fill(correction, 0);
        double[] mu = expectedSpectrum(MONTE_CARLO_TERMS);
        int count = 0;
        while (count < Math.min(COMPONENTS, Math.min(dimension, mu.length)) && mu[count] > 1e-12 * mu[0]) {
            count++;
        }
        double[] q = new double[mu.length];
        double head = 0;
        for (int j = 0; j < mu.length; j++) {
            q[j] = Math.max(0, mu[j]) / trace;
            head += q[j];
        }
        for (int i = 0; i < COMPONENTS; i++) {
            correctedP[i] = i < q.length ? q[i] : 0;
        }
        if (count == 0) {
            return;
        }
        double[] estimate = monteCarlo(q, Math.max(0, 1 - head), count);
        for (int i = 0; i < count; i++) {
            correction[i] = estimate[i] - q[i];
        }
    }

    /** Whether every reported component is far enough from every other term for the perturbation series. */
    private boolean separated(double[] p, int count) {
        double rootK = Math.sqrt(dimension);
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < p.length; j++) {
                if (j != i && !(Math.sqrt(p[i] * p[j]) <= 0.5 * rootK * Math.abs(p[i] - p[j]))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The second-order expectation (class comment), the tail as terms far below p_i. */
    private double[] secondOrder(double[] p, double tail, int count) {
        double squares = 0;
        for (double v : p) {
            squares += v * v;
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            double pi = p[i];
            double repulsion = tail;
            for (int j = 0; j < p.length; j++) {
                if (j != i && p[j] > 0) {
                    repulsion += pi * p[j] / (pi - p[j]);
                }
            }
            out[i] = pi + (repulsion - 2 * pi * pi + 2 * pi * squares) / dimension;
        }
        return out;
    }

    /**
     * E[λ_i / tr] of (1/k) Σ_j p_j g_j g_jᵀ plus the tail, by Monte Carlo. The tail adds (tail/k) to
     * every eigenvalue and its expectation to the trace; the top terms are drawn as a k×k matrix when
     * k is below their number, else as the Wishart matrix of their inner products (Bartlett). Each
     * draw's ratio has a control variate, its first-order expansion p_i(1 + (χ_i − 1) − Σ_j p_j(χ_j − 1))
     * in χ_j = ‖g_j‖²/k, whose mean p_i is known: it removes the trace's and the norms' fluctuation,
     * a half to two thirds of the spread, so that four to nine times fewer draws reach the same error.
     */
    private double[] monteCarlo(double[] p, double tail, int count) {
        int terms = 0;
        while (terms < p.length && p[terms] > 0) {
            terms++;
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL);
        // Sums of x (the draw's ratio), y (its control variate, minus its mean), x², y², xy per component.
        double[][] sums = new double[5][count];
        double[] chi = new double[terms];
        int draws = 0;
        double[] estimate = new double[count];
        while (draws < MAX_DRAWS) {
            for (int batch = 0; batch < 64; batch++) {
                double[] x = dimension < terms ? drawSmall(random, p, terms, tail, chi)
                        : drawWishart(random, p, terms, tail, chi);
                double linear = 0;
                for (int j = 0; j < terms; j++) {
                    linear += p[j] * (chi[j] - 1);
                }
                for (int i = 0; i < count; i++) {
                    double y = p[i] * ((chi[i] - 1) - linear);
                    sums[0][i] += x[i];
                    sums[1][i] += y;
                    sums[2][i] += x[i] * x[i];
                    sums[3][i] += y * y;
                    sums[4][i] += x[i] * y;
                }
                draws++;
            }
            boolean done = draws >= 256;
            for (int i = 0; i < count; i++) {
                double mx = sums[0][i] / draws;
                double my = sums[1][i] / draws;
                double vx = Math.max(0, sums[2][i] / draws - mx * mx);
                double vy = Math.max(0, sums[3][i] / draws - my * my);
                double cxy = sums[4][i] / draws - mx * my;
                double b = vy > 0 ? cxy / vy : 0;
                estimate[i] = mx - b * my;
                double residual = Math.max(0, vx - b * cxy);
                done &= Math.sqrt(residual / draws) <= STANDARD_ERROR;
            }
            if (done) {
                break;
            }
        }
        return estimate;
    }

    /** Ratios of one draw for k < terms: M = (1/k) Σ_j p_j z_j z_jᵀ + (tail/k) I, z_j ∈ R^k; chi receives ‖z_j‖²/k. */
    private double[] drawSmall(SplittableRandom random, double[] p, int terms, double tail, double[] chi) {
        int k = dimension;
        double[][] m = new double[k][k];
        double[] z = new double[k];
        double trace = tail;
        for (int j = 0; j < terms; j++) {
            double norm = 0;
            for (int a = 0; a < k; a++) {
                z[a] = random.nextGaussian();
                norm += z[a] * z[a];
            }
            chi[j] = norm / k;
            trace += p[j] * chi[j];
            double f = p[j] / k;
            for (int a = 0; a < k; a++) {
                for (int b = a; b < k; b++) {
                    m[a][b] += f * z[a] * z[b];
                }
            }
        }
        for (int a = 0; a < k; a++) {
            m[a][a] += tail / k;
            for (int b = a + 1; b < k; b++) {
                m[b][a] = m[a][b];
            }
        }
        return ratios(Lanczos.values(m), 0, trace);
    }

    /**
     * Ratios of one draw for k ≥ terms: A = D^{1/2} W D^{1/2} / k with W = LLᵀ ~ Wishart(k, I) by
     * Bartlett (L_ii² ~ χ²_{k−i}, L_ij ~ N(0, 1) below the diagonal), plus the tail; chi receives W_jj/k.
     */
    private double[] drawWishart(SplittableRandom random, double[] p, int terms, double tail, double[] chi) {
        int t = terms;
        double[][] l = new double[t][t];
        for (int i = 0; i < t; i++) {
            l[i][i] = Math.sqrt(chiSquared(random, dimension - i));
            for (int j = 0; j < i; j++) {
                l[i][j] = random.nextGaussian();
            }
        }
        double[][] a = new double[t][t];
        double trace = tail;
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int c = 0; c <= j; c++) {
                    s += l[i][c] * l[j][c];
                }
                if (i == j) {
                    chi[i] = s / dimension;
                    trace += p[i] * chi[i];
                }
                double v = Math.sqrt(p[i] * p[j]) * s / dimension;
                a[i][j] = v;
                a[j][i] = v;
            }
        }
        return ratios(Lanczos.values(a), tail / dimension, trace);
    }

    /** (λ_i + shift) / trace for the top components. */
    private static double[] ratios(double[] values, double shift, double trace) {
        double[] out = new double[COMPONENTS];
        for (int i = 0; i < Math.min(COMPONENTS, values.length); i++) {
            out[i] = (Math.max(0, values[i]) + shift) / trace;
        }
        return out;
    }

    /** A χ² draw with ν ≥ 1 degrees of freedom: twice a Gamma(ν/2) draw (Marsaglia and Tsang 2000). */
    private static double chiSquared(SplittableRandom random, int nu) {
        return 2 * gamma(random, nu / 2.0);
    }

    private static double gamma(SplittableRandom random, double shape) {
        if (shape < 1) {
            // Gamma(a) = Gamma(a + 1) · U^{1/a}.
            return gamma(random, shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /**
     * The top {@code terms} eigenvalues μ_j of the groups' expected centred covariance: generators
     * √(w_a/n)(m_a − μ) with E⟨m_a, m_b⟩ = τ̄_min(a,b) for a ≠ b and τ̄_a − d_a for a = b, whose
     * products take O(groups) by prefix sums.
     */
    private double[] expectedSpectrum(int terms) {
        int g = groups;
        double n = samples;
        double[] s = new double[g];
        double[] wn = new double[g];
        for (int a = 0; a < g; a++) {
            wn[a] = weight[a] / n;
            s[a] = Math.sqrt(wn[a]);
        }
        // h = G (w/n), the expected ⟨m_a, μ⟩, and c0 = E‖μ‖².
        double[] h = new double[g];
        gramTimes(wn, h);
        double c0 = 0;
        for (int a = 0; a < g; a++) {
            c0 += wn[a] * h[a];
        }
        double centre = c0;
        double[] u = new double[g];
        double[] gu = new double[g];
        Lanczos.Operator op = (x, y) -> {
            double total = 0;
            double hu = 0;
            for (int a = 0; a < g; a++) {
                u[a] = s[a] * x[a];
                total += u[a];
                hu += h[a] * u[a];
            }
            gramTimes(u, gu);
            for (int a = 0; a < g; a++) {
                y[a] = s[a] * (gu[a] - h[a] * total - hu + centre * total);
            }
        };
        // Only the top few need to be exact; the rest enter at second order (their error is about tolerance² μ_1).
        return Lanczos.top(op, g, terms, 1e-5).values();
    }

    /** y = G x for the groups' expected Gram matrix G_ab = τ̄_min(a,b) − δ_ab d_a, in O(groups). */
    private void gramTimes(double[] x, double[] y) {
        int g = groups;
        double suffix = 0;
        for (int a = g - 1; a >= 0; a--) {
            suffix += x[a];
            y[a] = meanTime[a] * suffix - spread[a] * x[a];
        }
        double prefix = 0;
        for (int a = 0; a < g; a++) {
            y[a] += prefix;
            prefix += meanTime[a] * x[a];
        }
    }

    /** Version 1's control: one walk of random sign directions, and its Frequent Directions PCA. */
    private static final class Walk {
        final float[] position;
        final TrajectoryPca pca;

        Walk(float[] position, TrajectoryPca pca) {
            this.position = position;
            this.pca = pca;
        }

        /** Version 1's step: signs of a generator seeded with (seed, step), scaled to the length. */
        void step(long seed, long step, double length, boolean sample) {
            float scale = (float) (length / Math.sqrt(position.length));
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
            long bits = 0;
            for (int i = 0; i < position.length; i++) {
                if ((i & 63) == 0) {
                    bits = random.nextLong();
                }
                position[i] += (bits & 1) == 0 ? scale : -scale;
                bits >>>= 1;
            }
            if (sample) {
                pca.update(position);
            }
        }
    }
}
