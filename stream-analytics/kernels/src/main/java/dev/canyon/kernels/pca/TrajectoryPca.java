package dev.canyon.kernels.pca;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.linalg.Lanczos;
import dev.canyon.kernels.vector.VectorOps;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * PCA of a trajectory of points in R^k (the sampled positions θ_t − θ_0, or their sketches), after
 * Lipton 2016 (seed 002) and Goodfellow et al. 2015 (seed 000): the top principal components of the
 * points' covariance, the share of variance each explains, and the current point's coordinates on
 * them. Exact while the points fit a bound, streaming beyond it.
 *
 * <p>Method. The covariance of the n points is C = (1/n) Σ_t (x_t − μ)(x_t − μ)ᵀ; its nonzero
 * eigenvalues are those of the n×n Gram matrix of the centred points, so the first {@code
 * positions} points (P, default {@value #DEFAULT_POSITIONS}) are kept as they are, with their Gram
 * matrix updated as each arrives, and the top eigenpairs come from that matrix by {@link Lanczos}:
 * exact PCA of the points seen, to rounding. Beyond P points, each new point first merges the two
 * neighbouring kept points (or groups of points) whose merging loses the least variance into one
 * group, its weighted mean (Ward's criterion restricted to neighbours in time): C splits exactly into
 * the covariance between the groups' means, which the kept means hold, and the scatter within the
 * groups. Merging a and b adds the rank-one term s²(m_a − m_b)(m_a − m_b)ᵀ, s² = w_a w_b / (w_a + w_b),
 * to the within-group scatter; those terms go into a second sketch of ℓ ({@code rows}) rows, a
 * truncated SVD (when 2ℓ rows are held, the top ℓ singular directions are kept, unshrunk, and the
 * rest dropped). The estimate is Ĉ = between + sketch, solved in the span of the kept means and the
 * sketch rows through the Gram matrix of both, which is maintained algebraically (a merged mean and
 * a sketch row are combinations of stored vectors) and recomputed from the vectors every {@value
 * #REFRESH_EVERY} points. The total variance tr(C) and the mean are kept exactly, and the ratios are
 * λ_i(Ĉ) / tr(C).
 *
 * <p>Accuracy. Exact (to rounding; 1e-9 is tested) while at most P points were added. Beyond,
 * Ĉ ≼ C, so every ratio is an underestimate, by at most {@link #droppedVariance()} / tr(C) (the
 * scatter the sketch dropped; the merges themselves lose nothing, their loss is in the sketch).
 * Because groups are runs of consecutive samples, the dropped part is high-frequency scatter that
 * barely touches the leading components: measured against exact batch PCA of the same points
 * (TrajectoryPcaDifferentialTest, docs/metrics.md), random walks in 1,024 and 4,096 dimensions and
 * planted planes stay within 2e-4, an Ornstein-Uhlenbeck trajectory with a graded spectrum within
 * 1.2e-3 (P = 64, ℓ = 16).
 * Frequent Directions' shrinking (version 1 of this class) was biased low by about 0.01 on random
 * walks; its worst-case guarantee is not worth that bias here, where the sketch only holds the
 * within-group remainder.
 *
 * <p>Cost: (P + 2ℓ)·k per point for its products with the stored vectors, O(k) for a merge plus an
 * amortized 2ℓk for the sketch's truncation; {@link #result} costs a Lanczos solve of the
 * (P + 2ℓ)-row Gram matrix (usually 20 to 40 products) and r(P + 2ℓ)k for the components. Memory:
 * (P + 2ℓ)·k floats and (P + 2ℓ)² doubles (about 0.45 MB at k = 1,024 with the defaults). {@link
 * #merge} combines two sketches of disjoint point sets. NaN or infinite points are rejected with
 * {@link IllegalArgumentException} and leave the state unchanged; empty: no components, ratios empty.
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}): version {@value #SERIAL_VERSION}, the exact
 * sums, the kept means with their weights and Gram matrix, the sketch rows with their products, so
 * a restored PCA continues bit for bit. Bounded, written and read alike: P ≤ {@value
 * #MAX_POSITIONS}, ℓ ≤ {@value #MAX_SKETCH_ROWS}, (P + 2ℓ)·k ≤ {@value #MAX_PERSISTED_CELLS}
 * stored values; with the defaults at k = 1,024 a state is at most about 0.45 MB (1.6 MB at k = 4,096).
 *
 * <table>
 *   <caption>TrajectoryPca state, version 2</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 2, kernel code {@value StateFormat#TRAJECTORY_PCA}</td></tr>
 *   <tr><td>int</td><td>k, the dimension (≥ 1)</td></tr>
 *   <tr><td>int</td><td>ℓ, the sketch rows (2 to {@value #MAX_SKETCH_ROWS})</td></tr>
 *   <tr><td>int</td><td>P, the positions kept (2 to {@value #MAX_POSITIONS})</td></tr>
 *   <tr><td>long</td><td>n, points added (≥ 0)</td></tr>
 *   <tr><td>double</td><td>Σ‖x‖², the exact sum of squares</td></tr>
 *   <tr><td>k × double</td><td>Σx, the exact sum of the points</td></tr>
 *   <tr><td>int</td><td>b, kept positions (0 to P, at most n)</td></tr>
 *   <tr><td>b × (long, k × float)</td><td>each kept position in time order: its weight (points merged into it, ≥ 1; the weights add up to n) and its mean</td></tr>
 *   <tr><td>b(b+1)/2 × double</td><td>their Gram matrix, upper triangle row by row</td></tr>
 *   <tr><td>int</td><td>u, sketch rows in use (0 to 2ℓ)</td></tr>
 *   <tr><td>u × k × float</td><td>the sketch rows</td></tr>
 *   <tr><td>u × b × double</td><td>products of sketch rows with kept positions, row by row</td></tr>
 *   <tr><td>u(u+1)/2 × double</td><td>the sketch rows' Gram matrix, upper triangle row by row</td></tr>
 * </table>
 *
 * <p>Version 1 states (Frequent Directions with ℓ rows: header, then int k, int ℓ (2 to {@value
 * #MAX_PERSISTED_ROWS}, 2ℓk ≤ {@value #MAX_PERSISTED_CELLS}), long n, double Σ‖x‖², k doubles Σx, int
 * rows in use m (0 to 2ℓ, at most n), m × k doubles of the sketch) are still read: such a PCA keeps
 * version 1's estimator and format until its run ends, so a checkpoint of the previous release
 * restores and continues exactly as it would have.
 */
public final class TrajectoryPca {
    /** Format version of the state {@link #writeTo} writes (a PCA restored from version 1 writes version 1). */
    public static final int SERIAL_VERSION = 2;
    /** Positions kept exactly by default. */
    public static final int DEFAULT_POSITIONS = 64;
    /** The most positions a PCA may keep. */
    public static final int MAX_POSITIONS = 1 << 10;
    /** The most sketch rows ℓ of a version 2 state. */
    public static final int MAX_SKETCH_ROWS = 1 << 8;
    /** The most sketch rows ℓ a version 1 state may have. */
    public static final int MAX_PERSISTED_ROWS = 1 << 10;
    /** The most stored values a state may have: (P + 2ℓ)·k floats in version 2, 2ℓk doubles in version 1. */
    public static final long MAX_PERSISTED_CELLS = 1L << 24;
    /** The Gram matrices are recomputed from the stored vectors every this many points. */
    static final int REFRESH_EVERY = 1024;
    static final String NAME = "TrajectoryPca";

    private final int dimension;
    private final int rows;
    private final int positions;
    /** Version 1's estimator, for a PCA restored from a version 1 state; null otherwise. */
    private final FrequentDirections legacy;

    private long n;
    private final double[] sum;
    private double sumSquares;

    /** Kept positions in time order: weights, means, and their Gram matrix (positions × positions). */
    private int blocks;
    private final long[] weight;
    private final float[][] mean;
    private final double[][] gram;

    /** Sketch of the within-group scatter: rows, their products with the kept means, their Gram matrix. */
    private int used;
    private final float[][] sketch;
    private final double[][] cross;
    private final double[][] sketchGram;
    /** Scratch for {@link #dot2}'s two results (not state). */
    private final double[] pair = new double[2];

    /**
     * PCA of points in R^{dimension}, exact for the first {@value #DEFAULT_POSITIONS} points, with
     * {@code rows} sketch rows beyond.
     */
    public TrajectoryPca(int dimension, int rows) {
        this(dimension, rows, DEFAULT_POSITIONS);
    }

    /**
     * PCA of points in R^{dimension}, exact for the first {@code positions} points (2 to {@value
     * #MAX_POSITIONS}), with a sketch of {@code rows} rows (2 to {@value #MAX_SKETCH_ROWS}) of what
     * merging positions loses beyond them. In very large spaces, where (positions + 2·rows)·k would
     * pass the {@value #MAX_PERSISTED_CELLS} values a state may hold (k above 174,762 with the
     * defaults), fewer are kept: rows down to a sixth of what fits, positions to the rest, so that
     * the state can still be written; a space too large even for 2 and 2 (k above 2,796,202) cannot.
     */
    public TrajectoryPca(int dimension, int rows, int positions) {
        if (dimension < 1 || rows < 2 || rows > MAX_SKETCH_ROWS || positions < 2 || positions > MAX_POSITIONS) {
            throw new IllegalArgumentException("need dimension >= 1, 2 to " + MAX_SKETCH_ROWS + " sketch rows and 2 to "
                    + MAX_POSITIONS + " positions, got " + dimension + ", " + rows + ", " + positions);
        }
        long fit = MAX_PERSISTED_CELLS / dimension;
        if (positions + 2L * rows > fit) {
            rows = (int) Math.max(2, Math.min(rows, fit / 6));
            positions = (int) Math.max(2, Math.min(positions, fit - 2L * rows));
        }
        this.dimension = dimension;
        this.rows = rows;
        this.positions = positions;
        this.legacy = null;
        this.sum = new double[dimension];
        this.weight = new long[positions];
        this.mean = new float[positions][];
        this.gram = new double[positions][positions];
        this.sketch = new float[2 * rows][];
        this.cross = new double[2 * rows][positions];
        this.sketchGram = new double[2 * rows][2 * rows];
    }

    private TrajectoryPca(FrequentDirections legacy) {
        this.dimension = legacy.dimension();
        this.rows = 0;
        this.positions = 0;
        this.legacy = legacy;
        this.sum = null;
        this.weight = null;
        this.mean = null;
        this.gram = null;
        this.sketch = null;
        this.cross = null;
        this.sketchGram = null;
    }

    /** A PCA with version 1's estimator (Frequent Directions of {@code rows} rows), as a restored version 1 state has. */
    static TrajectoryPca versionOne(int dimension, int rows) {
        return new TrajectoryPca(new FrequentDirections(dimension, rows));
    }

    /** Adds one point. */
    public void update(float[] x) {
        if (legacy != null) {
            legacy.update(x);
            return;
        }
        if (x.length != dimension) {
            throw new IllegalArgumentException("point has " + x.length + " values, this PCA takes " + dimension);
        }
        double ss = VectorOps.squaredNorm(x);
        if (!Double.isFinite(ss)) {
            throw new IllegalArgumentException("point contains NaN or infinite values");
        }
        append(x.clone(), 1);
        for (int i = 0; i < dimension; i++) {
            sum[i] += x[i];
        }
        sumSquares += ss;
        n++;
        if (n % REFRESH_EVERY == 0) {
            refresh();
        }
    }

    /** Folds {@code other} (same dimension, same version) into this PCA. */
    public void merge(TrajectoryPca other) {
        if (other.dimension != dimension) {
            throw new IllegalArgumentException("cannot merge PCA of dimension " + other.dimension + " into " + dimension);
        }
        if (legacy != null || other.legacy != null) {
            if (legacy == null || other.legacy == null) {
                throw new IllegalArgumentException("cannot merge a version 1 PCA (restored from an old state) with a version 2 "
                        + "one");
            }
            legacy.merge(other.legacy);
            return;
        }
        for (int q = 0; q < other.used; q++) {
            addSketchRow(other.sketch[q].clone());
        }
        for (int b = 0; b < other.blocks; b++) {
            append(other.mean[b].clone(), other.weight[b]);
        }
        for (int i = 0; i < dimension; i++) {
            sum[i] += other.sum[i];
        }
        sumSquares += other.sumSquares;
        n += other.n;
    }

    /** Keeps {@code m} (owned from now on) as the latest position of weight {@code w}, merging two first if all are taken. */
    private void append(float[] m, long w) {
        if (blocks == positions) {
            mergeCheapestNeighbours();
        }
        int b = blocks;
        // Two products per pass over m (dot2): each the same sums, in the same order, as dot(m, ·).
        double[] two = pair;
        int c = 0;
        for (; c + 1 < b; c += 2) {
            dot2(m, mean[c], mean[c + 1], two);
            gram[b][c] = two[0];
            gram[c][b] = two[0];
            gram[b][c + 1] = two[1];
            gram[c + 1][b] = two[1];
        }
        if (c < b) {
            double v = dot(m, mean[c]);
            gram[b][c] = v;
            gram[c][b] = v;
        }
        gram[b][b] = dot(m, m);
        int q = 0;
        for (; q + 1 < used; q += 2) {
            dot2(m, sketch[q], sketch[q + 1], two);
            cross[q][b] = two[0];
            cross[q + 1][b] = two[1];
        }
        if (q < used) {
            cross[q][b] = dot(sketch[q], m);
        }
        mean[b] = m;
        weight[b] = w;
        blocks++;
    }

    /** Merges the neighbours a, a+1 whose merging adds the least scatter, w_a w_b/(w_a + w_b) ‖m_a − m_b‖². */
    private void mergeCheapestNeighbours() {
        int best = 0;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int p = 0; p + 1 < blocks; p++) {
            double wa = weight[p];
            double wb = weight[p + 1];
            double cost = wa * wb / (wa + wb) * (gram[p][p] + gram[p + 1][p + 1] - 2 * gram[p][p + 1]);
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
        double s = Math.sqrt(wa * wb / w);
        // The scatter merging adds, s(m_a − m_b), joins the sketch; its products follow from the Gram matrix.
        if (used == sketch.length) {
            truncateSketch();
        }
        float[] ma = mean[a];
        float[] mb = mean[b];
        float[] residual = new float[dimension];
        for (int j = 0; j < dimension; j++) {
            residual[j] = (float) (s * ((double) ma[j] - mb[j]));
        }
        int q0 = used;
        for (int c = 0; c < blocks; c++) {
            cross[q0][c] = s * (gram[a][c] - gram[b][c]);
        }
        for (int q = 0; q < q0; q++) {
            double v = s * (cross[q][a] - cross[q][b]);
            sketchGram[q][q0] = v;
            sketchGram[q0][q] = v;
        }
        sketchGram[q0][q0] = Math.max(0, s * s * (gram[a][a] + gram[b][b] - 2 * gram[a][b]));
        sketch[q0] = residual;
        used++;
        // The merged mean α m_a + β m_b, and its products by linearity.
        double al = wa / w;
        double be = wb / w;
        float[] merged = new float[dimension];
        for (int j = 0; j < dimension; j++) {
            merged[j] = (float) (al * ma[j] + be * mb[j]);
        }
        double self = al * al * gram[a][a] + 2 * al * be * gram[a][b] + be * be * gram[b][b];
        for (int c = 0; c < blocks; c++) {
            if (c != a && c != b) {
                double v = al * gram[a][c] + be * gram[b][c];
                gram[a][c] = v;
                gram[c][a] = v;
            }
        }
        gram[a][a] = self;
        for (int q = 0; q < used; q++) {
            cross[q][a] = al * cross[q][a] + be * cross[q][b];
        }
        mean[a] = merged;
        weight[a] = weight[a] + weight[b];
        removeBlock(b);
    }

    /** Removes kept position b, moving the later ones down. */
    private void removeBlock(int b) {
        int last = blocks - 1;
        for (int c = b; c < last; c++) {
            mean[c] = mean[c + 1];
            weight[c] = weight[c + 1];
        }
        mean[last] = null;
        weight[last] = 0;
        double[] row = gram[b];
        for (int c = b; c < last; c++) {
            gram[c] = gram[c + 1];
        }
        gram[last] = row;
        for (int c = 0; c < last; c++) {
            System.arraycopy(gram[c], b + 1, gram[c], b, last - b);
            gram[c][last] = 0;
        }
        java.util.Arrays.fill(gram[last], 0);
        for (int q = 0; q < used; q++) {
            System.arraycopy(cross[q], b + 1, cross[q], b, last - b);
            cross[q][last] = 0;
        }
        blocks = last;
    }

    /** Adds a row to the sketch (from a merged PCA), computing its products. */
    private void addSketchRow(float[] r) {
        if (used == sketch.length) {
            truncateSketch();
        }
        int q0 = used;
        for (int c = 0; c < blocks; c++) {
            cross[q0][c] = dot(r, mean[c]);
        }
        for (int q = 0; q < q0; q++) {
            double v = dot(r, sketch[q]);
            sketchGram[q][q0] = v;
            sketchGram[q0][q] = v;
        }
        sketchGram[q0][q0] = dot(r, r);
        sketch[q0] = r;
        used++;
    }

    /**
     * Keeps the top ℓ singular directions of the sketch rows, unshrunk: the rows' Gram matrix F =
     * V Λ Vᵀ gives new rows V_iᵀ R (orthogonal, ‖·‖² = λ_i), and the variance of the rest is dropped.
     */
    private void truncateSketch() {
        int u = used;
        double[][] f = new double[u][];
        for (int q = 0; q < u; q++) {
            f[q] = java.util.Arrays.copyOf(sketchGram[q], u);
        }
        Lanczos.Top top = Lanczos.top(f, rows);
        double largest = top.values().length > 0 ? Math.max(0, top.values()[0]) : 0;
        int kept = 0;
        while (kept < top.values().length && top.values()[kept] > 1e-12 * largest && top.values()[kept] > 0) {
            kept++;
        }
        float[][] next = new float[kept][];
        double[][] nextCross = new double[kept][blocks];
        double[] acc = new double[dimension];
        for (int i = 0; i < kept; i++) {
            double[] v = top.vectors()[i];
            java.util.Arrays.fill(acc, 0);
            for (int q = 0; q < u; q++) {
                double c = v[q];
                float[] rq = sketch[q];
                for (int j = 0; j < dimension; j++) {
                    acc[j] += c * rq[j];
                }
                double[] xq = cross[q];
                double[] out = nextCross[i];
                for (int b = 0; b < blocks; b++) {
                    out[b] += c * xq[b];
                }
            }
            float[] row = new float[dimension];
            for (int j = 0; j < dimension; j++) {
                row[j] = (float) acc[j];
            }
            next[i] = row;
        }
        for (int q = 0; q < sketch.length; q++) {
            sketch[q] = q < kept ? next[q] : null;
            java.util.Arrays.fill(cross[q], 0);
            if (q < kept) {
                System.arraycopy(nextCross[q], 0, cross[q], 0, blocks);
            }
            java.util.Arrays.fill(sketchGram[q], 0);
        }
        for (int i = 0; i < kept; i++) {
            sketchGram[i][i] = top.values()[i];
        }
        used = kept;
    }

    /** Recomputes every product from the stored vectors, so that rounding in the algebraic updates cannot accumulate. */
    private void refresh() {
        for (int a = 0; a < blocks; a++) {
            for (int b = a; b < blocks; b++) {
                double v = dot(mean[a], mean[b]);
                gram[a][b] = v;
                gram[b][a] = v;
            }
        }
        for (int q = 0; q < used; q++) {
            for (int b = 0; b < blocks; b++) {
                cross[q][b] = dot(sketch[q], mean[b]);
            }
            for (int p = q; p < used; p++) {
                double v = dot(sketch[q], sketch[p]);
                sketchGram[q][p] = v;
                sketchGram[p][q] = v;
            }
        }
    }

    /** Writes this PCA's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        if (legacy != null) {
            StateFormat.writeHeader(out, 1, StateFormat.TRAJECTORY_PCA);
            legacy.writeBody(out);
            return;
        }
        if ((long) (positions + 2 * rows) * dimension > MAX_PERSISTED_CELLS) {
            throw new StateFormatException(NAME + " of " + positions + " positions and " + rows + " sketch rows in dimension "
                    + dimension + " is beyond what a state may hold (" + MAX_PERSISTED_CELLS + " values)");
        }
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.TRAJECTORY_PCA);
        out.writeInt(dimension);
        out.writeInt(rows);
        out.writeInt(positions);
        out.writeLong(n);
        out.writeDouble(sumSquares);
        StateFormat.writeDoubles(out, sum);
        out.writeInt(blocks);
        for (int b = 0; b < blocks; b++) {
            out.writeLong(weight[b]);
            StateFormat.writeFloats(out, mean[b]);
        }
        for (int a = 0; a < blocks; a++) {
            for (int b = a; b < blocks; b++) {
                out.writeDouble(gram[a][b]);
            }
        }
        out.writeInt(used);
        for (int q = 0; q < used; q++) {
            StateFormat.writeFloats(out, sketch[q]);
        }
        for (int q = 0; q < used; q++) {
            for (int b = 0; b < blocks; b++) {
                out.writeDouble(cross[q][b]);
            }
        }
        for (int q = 0; q < used; q++) {
            for (int p = q; p < used; p++) {
                out.writeDouble(sketchGram[q][p]);
            }
        }
    }

    /** Reads a PCA written by {@link #writeTo} (version 1 or 2); {@link StateFormatException} if it cannot. */
    public static TrajectoryPca readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            int version = StateFormat.readHeader(i, NAME, StateFormat.TRAJECTORY_PCA, 1, SERIAL_VERSION);
            if (version == 1) {
                return new TrajectoryPca(FrequentDirections.readBody(i));
            }
            int k = StateFormat.readInt(i, NAME, "dimension", 1, (int) (MAX_PERSISTED_CELLS / 4));
            int rows = StateFormat.readInt(i, NAME, "sketch rows", 2, MAX_SKETCH_ROWS);
            int positions = StateFormat.readInt(i, NAME, "positions", 2, MAX_POSITIONS);
            if ((long) (positions + 2 * rows) * k > MAX_PERSISTED_CELLS) {
                throw new StateFormatException(NAME + " state: " + positions + " positions and " + rows + " sketch rows in dimension "
                        + k + " make " + (long) (positions + 2 * rows) * k + " values, more than the " + MAX_PERSISTED_CELLS
                        + " a state may hold");
            }
            long n = StateFormat.readLong(i, NAME, "point count", 0, Long.MAX_VALUE);
            double sumSquares = i.readDouble();
            // The sum is read before anything of size k is allocated: its k values prove k.
            double[] sum = StateFormat.readDoubles(i, k);
            int blocks = StateFormat.readInt(i, NAME, "kept positions", 0, positions);
            if (blocks > n || (n > 0 && blocks == 0)) {
                throw new StateFormatException(NAME + " state: " + blocks + " kept positions for " + n + " points");
            }
            TrajectoryPca pca = new TrajectoryPca(k, rows, positions);
            System.arraycopy(sum, 0, pca.sum, 0, k);
            long total = 0;
            for (int b = 0; b < blocks; b++) {
                long w = StateFormat.readLong(i, NAME, "weight of a kept position", 1, n - total);
                total += w;
                pca.weight[b] = w;
                pca.mean[b] = StateFormat.readFloats(i, k);
            }
            if (total != n) {
                throw new StateFormatException(NAME + " state: the kept positions' weights add up to " + total + ", not to the "
                        + n + " points");
            }
            for (int a = 0; a < blocks; a++) {
                for (int b = a; b < blocks; b++) {
                    double v = i.readDouble();
                    pca.gram[a][b] = v;
                    pca.gram[b][a] = v;
                }
            }
            int used = StateFormat.readInt(i, NAME, "sketch rows in use", 0, 2 * rows);
            for (int q = 0; q < used; q++) {
                pca.sketch[q] = StateFormat.readFloats(i, k);
            }
            for (int q = 0; q < used; q++) {
                for (int b = 0; b < blocks; b++) {
                    pca.cross[q][b] = i.readDouble();
                }
            }
            for (int q = 0; q < used; q++) {
                for (int p = q; p < used; p++) {
                    double v = i.readDouble();
                    pca.sketchGram[q][p] = v;
                    pca.sketchGram[p][q] = v;
                }
            }
            pca.n = n;
            pca.sumSquares = sumSquares;
            pca.blocks = blocks;
            pca.used = used;
            return pca;
        });
    }

    /**
     * This PCA's state as bytes ({@link #writeTo}); {@link IllegalStateException} if it is beyond what a
     * state may hold (see the class comment).
     */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The PCA whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static TrajectoryPca heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, TrajectoryPca::readFrom);
    }

    /** k, the dimension of the points. */
    int dimension() {
        return dimension;
    }

    /** Positions kept exactly (the constructor's, or fewer in a very large space). */
    int positions() {
        return positions;
    }

    /** Whether this PCA runs version 1's estimator (restored from a version 1 state). */
    boolean isVersionOne() {
        return legacy != null;
    }

    /** Points added (merged PCAs included). */
    public long count() {
        return legacy != null ? legacy.count() : n;
    }

    /** Whether no point has been added. */
    public boolean isEmpty() {
        return count() == 0;
    }

    /** Whether every point added is still kept as it is, so that {@link #result} is exact PCA of them. */
    public boolean isExact() {
        return legacy == null && blocks == n;
    }

    /**
     * The variance the estimate does not hold: tr(C) − tr(Ĉ), the within-group scatter the sketch
     * has dropped, per point (in the points' units squared). Ĉ ≼ C, so every eigenvalue of the
     * estimate is below the exact one by at most this much, and every ratio by at most this over
     * {@link Result#totalVariance}. About 0 (rounding) while {@link #isExact}; NaN for a version 1 PCA.
     */
    public double droppedVariance() {
        if (legacy != null) {
            return Double.NaN;
        }
        double within = 0;
        for (int q = 0; q < used; q++) {
            within += sketchGram[q][q];
        }
        if (n == 0) {
            return 0;
        }
        // The scatter not held by the kept means or the sketch rows: the exact total minus what they hold.
        double[] g = weightedRowMeans();
        double between = 0;
        double c0 = 0;
        for (int a = 0; a < blocks; a++) {
            c0 += weight[a] / (double) n * g[a];
        }
        for (int a = 0; a < blocks; a++) {
            between += weight[a] / (double) n * (gram[a][a] - 2 * g[a] + c0);
        }
        double[] mu = new double[dimension];
        for (int j = 0; j < dimension; j++) {
            mu[j] = sum[j] / n;
        }
        double trace = sumSquares / n - dot(mu, mu);
        return Math.max(0, trace - between - within / n);
    }

    /** g_a = Σ_c (w_c/n) ⟨m_a, m_c⟩ = ⟨m_a, μ⟩ for the kept means. */
    private double[] weightedRowMeans() {
        double[] g = new double[blocks];
        for (int a = 0; a < blocks; a++) {
            double s = 0;
            for (int c = 0; c < blocks; c++) {
                s += weight[c] * gram[a][c];
            }
            g[a] = s / n;
        }
        return g;
    }

    /**
     * The top {@code r} components of the centered points and what they explain.
     *
     * <p>The generators are √(w_a/n)(m_a − μ) for the kept means and r_q/√n for the sketch rows, so
     * that Ĉ = VᵀV; the nonzero eigenvalues of Ĉ are those of the Gram matrix VVᵀ, built from the
     * maintained products, and a component is Vᵀy/√λ for an eigenvector y of VVᵀ. Directions with
     * eigenvalues below 1e-12 of the largest are not components.
     */
    public Result result(int r) {
        if (legacy != null) {
            return legacy.result(r);
        }
        double[] mu = new double[dimension];
        if (n == 0) {
            return new Result(new double[0], new double[0][], mu, 0);
        }
        for (int j = 0; j < dimension; j++) {
            mu[j] = sum[j] / n;
        }
        double trace = Math.max(0, sumSquares / n - dot(mu, mu));
        int b = blocks;
        int m = b + used;
        double[] g = weightedRowMeans();
        double c0 = 0;
        for (int a = 0; a < b; a++) {
            c0 += weight[a] / (double) n * g[a];
        }
        double[] sw = new double[b];
        for (int a = 0; a < b; a++) {
            sw[a] = Math.sqrt(weight[a] / (double) n);
        }
        double[][] v = new double[m][m];
        for (int a = 0; a < b; a++) {
            for (int c = a; c < b; c++) {
                double x = sw[a] * sw[c] * (gram[a][c] - g[a] - g[c] + c0);
                v[a][c] = x;
                v[c][a] = x;
            }
        }
        double rootN = Math.sqrt(n);
        for (int q = 0; q < used; q++) {
            double h = 0;
            for (int c = 0; c < b; c++) {
                h += weight[c] * cross[q][c];
            }
            h /= n;
            for (int a = 0; a < b; a++) {
                double x = sw[a] * (cross[q][a] - h) / rootN;
                v[b + q][a] = x;
                v[a][b + q] = x;
            }
            for (int p = q; p < used; p++) {
                double x = sketchGram[q][p] / n;
                v[b + q][b + p] = x;
                v[b + p][b + q] = x;
            }
        }
        Lanczos.Top top = Lanczos.top(v, Math.min(r, m));
        double largest = top.values().length > 0 ? Math.max(0, top.values()[0]) : 0;
        int k = 0;
        while (k < top.values().length && top.values()[k] > 1e-12 * largest && top.values()[k] > 0) {
            k++;
        }
        double[] ratios = new double[k];
        double[][] components = new double[k][];
        for (int i = 0; i < k; i++) {
            double lambda = top.values()[i];
            ratios[i] = trace > 0 ? lambda / trace : 0;
            double[] y = top.vectors()[i];
            double scale = 1 / Math.sqrt(lambda);
            double[] out = new double[dimension];
            // Kept means: y_a √(w_a/n) (m_a − μ_b), with μ_b = Σ (w_c/n) m_c moved onto the means' coefficients.
            double total = 0;
            double[] coef = new double[b];
            for (int a = 0; a < b; a++) {
                coef[a] = y[a] * sw[a] * scale;
                total += coef[a];
            }
            for (int a = 0; a < b; a++) {
                double c = coef[a] - total * (weight[a] / (double) n);
                if (c != 0) {
                    float[] ma = mean[a];
                    for (int j = 0; j < dimension; j++) {
                        out[j] += c * ma[j];
                    }
                }
            }
            for (int q = 0; q < used; q++) {
                double c = y[b + q] * scale / rootN;
                if (c != 0) {
                    float[] rq = sketch[q];
                    for (int j = 0; j < dimension; j++) {
                        out[j] += c * rq[j];
                    }
                }
            }
            // Orthonormal to rounding: the maintained products and the stored floats differ by float rounding.
            for (int p = 0; p < i; p++) {
                double c = dot(out, components[p]);
                for (int j = 0; j < dimension; j++) {
                    out[j] -= c * components[p][j];
                }
            }
            double norm = Math.sqrt(dot(out, out));
            if (norm > 0) {
                for (int j = 0; j < dimension; j++) {
                    out[j] /= norm;
                }
            }
            components[i] = out;
        }
        return new Result(ratios, components, mu, trace);
    }

    /**
     * Top components.
     *
     * @param explainedVarianceRatios share of the total variance each component explains, descending
     * @param components unit vectors in R^k, one per ratio
     * @param mean the mean point
     * @param totalVariance trace of the covariance (exact)
     */
    public record Result(double[] explainedVarianceRatios, double[][] components, double[] mean, double totalVariance) {
        /** Coordinates of {@code x} on the components, relative to the mean. */
        public double[] project(float[] x) {
            double[] out = new double[components.length];
            for (int i = 0; i < components.length; i++) {
                double s = 0;
                for (int j = 0; j < x.length; j++) {
                    s += (x[j] - mean[j]) * components[i][j];
                }
                out[i] = s;
            }
            return out;
        }
    }

    /**
     * ⟨a, b⟩ with four independent accumulators (the JIT does not reorder a floating-point sum by
     * itself). Not {@link VectorOps#dot(double[], double[])}: this one rounds differently, and the
     * sketch's stored results depend on its bits.
     */
    static double dot(double[] a, double[] b) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * ⟨x, a⟩ and ⟨x, b⟩ into out[0] and out[1] in one pass over x: each with its own four accumulators,
     * summed in the order of {@link #dot(float[], float[])}, so bit for bit the same values (a product
     * of two floats in double is exact and commutative); twice the independent additions per pass.
     * a and b have x's length.
     */
    static void dot2(float[] x, float[] a, float[] b, double[] out) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        int n = x.length;
        if (a.length != n || b.length != n) {
            throw new IllegalArgumentException("vectors of " + n + ", " + a.length + " and " + b.length + " values");
        }
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double x0 = x[i];
            double x1 = x[i + 1];
            double x2 = x[i + 2];
            double x3 = x[i + 3];
            a0 += x0 * a[i];
            a1 += x1 * a[i + 1];
            a2 += x2 * a[i + 2];
            a3 += x3 * a[i + 3];
            b0 += x0 * b[i];
            b1 += x1 * b[i + 1];
            b2 += x2 * b[i + 2];
            b3 += x3 * b[i + 3];
        }
        for (; i < n; i++) {
            a0 += (double) x[i] * a[i];
            b0 += (double) x[i] * b[i];
        }
        out[0] = (a0 + a1) + (a2 + a3);
        out[1] = (b0 + b1) + (b2 + b3);
    }

    /** ⟨a, b⟩ of float vectors, in double, with four accumulators like {@link #dot(double[], double[])}. */
    static double dot(float[] a, float[] b) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += (double) a[i] * b[i];
            s1 += (double) a[i + 1] * b[i + 1];
            s2 += (double) a[i + 2] * b[i + 2];
            s3 += (double) a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += (double) a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public String toString() {
        if (legacy != null) {
            return "TrajectoryPca[version 1, " + legacy + "]";
        }
        return "TrajectoryPca[n=" + n + ", k=" + dimension + ", positions=" + blocks + "/" + positions + ", sketch rows=" + used
                + "/" + 2 * rows + "]";
    }
}
