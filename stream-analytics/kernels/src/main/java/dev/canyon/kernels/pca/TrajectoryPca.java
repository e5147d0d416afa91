package dev.canyon.kernels.pca;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.linalg.Eigen;
import dev.canyon.kernels.vector.VectorOps;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Streaming PCA of a trajectory of points in R^k (the sketched weights θ_t, or θ_t − θ_0), after
 * Lipton 2016 (seed 002) and Goodfellow et al. 2015 (seed 000): the top principal components, the
 * share of variance each explains, and the current point's coordinates on them.
 *
 * <p>Method: Frequent Directions (Liberty 2013; Ghashami et al. 2016) keeps an ℓ-row matrix B with
 * ‖XᵀX − BᵀB‖₂ ≤ ‖X − X_r‖_F² / (ℓ − r) for the uncentered points X and any rank r; the mean μ and
 * the total sum of squares are kept exactly. The centered covariance C = XᵀX/n − μμᵀ is then
 * approximated in the span of B's rows and μ (Rayleigh-Ritz), which is exact whenever C's top
 * components lie in that span, and the explained-variance ratios divide by the exact trace of C.
 *
 * <p>Cost: O(k) per point amortized O(ℓ·k) (a shrink, O(ℓ²k), every ℓ points); memory 2ℓ·k
 * doubles. {@link #merge} combines two sketches of disjoint point sets. NaN or infinite points are
 * rejected with {@link IllegalArgumentException} and leave the state unchanged; empty: no
 * components, ratios empty.
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}): the
 * exact sums and the sketch rows in use, so a restored sketch continues bit for bit. A state is
 * bounded, written and read alike, to ℓ ≤ {@value #MAX_PERSISTED_ROWS} and 2ℓk ≤
 * {@value #MAX_PERSISTED_CELLS} doubles (the defaults use 2·8·4096), so that a corrupt size cannot
 * allocate a huge sketch.
 *
 * <table>
 *   <caption>TrajectoryPca state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#TRAJECTORY_PCA}</td></tr>
 *   <tr><td>int</td><td>k, the dimension (≥ 1)</td></tr>
 *   <tr><td>int</td><td>ℓ, the sketch rows (2 to {@value #MAX_PERSISTED_ROWS})</td></tr>
 *   <tr><td>long</td><td>n, points added (≥ 0)</td></tr>
 *   <tr><td>double</td><td>Σ‖x‖², the exact sum of squares</td></tr>
 *   <tr><td>k × double</td><td>Σx, the exact sum of the points</td></tr>
 *   <tr><td>int</td><td>m, buffer rows in use (0 to 2ℓ, at most n)</td></tr>
 *   <tr><td>m × k × double</td><td>those rows of B, row by row</td></tr>
 * </table>
 */
public final class TrajectoryPca {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    /** The most sketch rows ℓ a state may have. */
    public static final int MAX_PERSISTED_ROWS = 1 << 10;
    /** The most buffer values 2ℓk a state may have (128 MiB of doubles). */
    public static final long MAX_PERSISTED_CELLS = 1L << 24;
    private static final String NAME = "TrajectoryPca";

    private final int dimension;
    private final int rows;
    private final double[][] buffer;
    private int used;
    private long n;
    private final double[] sum;
    private double sumSquares;

    /** PCA of points in R^{dimension}, with a Frequent Directions sketch of {@code rows} rows. */
    public TrajectoryPca(int dimension, int rows) {
        if (dimension < 1 || rows < 2) {
            throw new IllegalArgumentException("need dimension >= 1 and at least 2 sketch rows, got " + dimension + ", " + rows);
        }
        this.dimension = dimension;
        this.rows = rows;
        this.buffer = new double[2 * rows][dimension];
        this.sum = new double[dimension];
    }

    /** Adds one point. */
    public void update(float[] x) {
        if (x.length != dimension) {
            throw new IllegalArgumentException("point has " + x.length + " values, this PCA takes " + dimension);
        }
        double ss = VectorOps.squaredNorm(x);
        if (!Double.isFinite(ss)) {
            throw new IllegalArgumentException("point contains NaN or infinite values");
        }
        if (used == buffer.length) {
            shrink();
        }
        double[] row = buffer[used++];
        for (int i = 0; i < dimension; i++) {
            row[i] = x[i];
            sum[i] += x[i];
        }
        sumSquares += ss;
        n++;
    }

    /** Folds {@code other} (same dimension) into this sketch. */
    public void merge(TrajectoryPca other) {
        if (other.dimension != dimension) {
            throw new IllegalArgumentException("cannot merge PCA of dimension " + other.dimension + " into " + dimension);
        }
        for (int r = 0; r < other.used; r++) {
            if (used == buffer.length) {
                shrink();
            }
            System.arraycopy(other.buffer[r], 0, buffer[used++], 0, dimension);
        }
        for (int i = 0; i < dimension; i++) {
            sum[i] += other.sum[i];
        }
        sumSquares += other.sumSquares;
        n += other.n;
    }

    /** Writes this sketch's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        if (rows > MAX_PERSISTED_ROWS || 2L * rows * dimension > MAX_PERSISTED_CELLS) {
            throw new StateFormatException(NAME + " of " + rows + " rows in dimension " + dimension
                    + " is beyond what a state may hold (" + MAX_PERSISTED_ROWS + " rows, " + MAX_PERSISTED_CELLS + " values)");
        }
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.TRAJECTORY_PCA);
        out.writeInt(dimension);
        out.writeInt(rows);
        out.writeLong(n);
        out.writeDouble(sumSquares);
        StateFormat.writeDoubles(out, sum);
        out.writeInt(used);
        for (int r = 0; r < used; r++) {
            StateFormat.writeDoubles(out, buffer[r]);
        }
    }

    /** Reads a sketch written by {@link #writeTo}; {@link StateFormatException} if it cannot. */
    public static TrajectoryPca readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.TRAJECTORY_PCA, SERIAL_VERSION);
            int k = StateFormat.readInt(i, NAME, "dimension", 1, (int) (MAX_PERSISTED_CELLS / 4));
            int rows = StateFormat.readInt(i, NAME, "sketch rows", 2, MAX_PERSISTED_ROWS);
            if (2L * rows * k > MAX_PERSISTED_CELLS) {
                throw new StateFormatException(NAME + " state: " + rows + " rows in dimension " + k + " make " + 2L * rows * k
                        + " values, more than the " + MAX_PERSISTED_CELLS + " a state may hold");
            }
            long n = StateFormat.readLong(i, NAME, "point count", 0, Long.MAX_VALUE);
            double sumSquares = i.readDouble();
            // The sum is read before the sketch is allocated: its k values prove k.
            double[] sum = StateFormat.readDoubles(i, k);
            int used = StateFormat.readInt(i, NAME, "rows in use", 0, 2 * rows);
            if (used > n) {
                throw new StateFormatException(NAME + " state: " + used + " rows in use from only " + n + " points");
            }
            TrajectoryPca pca = new TrajectoryPca(k, rows);
            System.arraycopy(sum, 0, pca.sum, 0, k);
            for (int r = 0; r < used; r++) {
                double[] row = pca.buffer[r];
                for (int j = 0; j < k; j++) {
                    row[j] = i.readDouble();
                }
            }
            pca.used = used;
            pca.n = n;
            pca.sumSquares = sumSquares;
            return pca;
        });
    }

    /**
     * This sketch's state as bytes ({@link #writeTo}); {@link IllegalStateException} if it is beyond what a
     * state may hold (see the class comment).
     */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The sketch whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static TrajectoryPca heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, TrajectoryPca::readFrom);
    }

    /** k, the dimension of the points. */
    int dimension() {
        return dimension;
    }

    /** Points added (merged sketches included). */
    public long count() {
        return n;
    }

    /** Whether no point has been added. */
    public boolean isEmpty() {
        return n == 0;
    }

    /** Frequent Directions shrink: keep the top {@code rows} directions, each reduced by the rows-th. */
    private void shrink() {
        int m = used;
        double[][] gram = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                double s = dot(buffer[a], buffer[b]);
                gram[a][b] = s;
                gram[b][a] = s;
            }
        }
        Eigen e = Eigen.of(gram);
        double delta = Math.max(0, e.values[Math.min(rows, m - 1)]);
        double[][] next = new double[buffer.length][dimension];
        int kept = 0;
        for (int i = 0; i < Math.min(rows, m); i++) {
            double s2 = e.values[i];
            if (s2 <= delta || s2 <= 0) {
                break;
            }
            // Row i of Vᵀ·σ is (u_iᵀ B): scale it from σ_i to sqrt(σ_i² − δ).
            double f = Math.sqrt((s2 - delta) / s2);
            double[] row = next[kept++];
            for (int r = 0; r < m; r++) {
                double c = e.vectors[i][r] * f;
                if (c != 0) {
                    double[] br = buffer[r];
                    for (int j = 0; j < dimension; j++) {
                        row[j] += c * br[j];
                    }
                }
            }
        }
        for (int r = 0; r < buffer.length; r++) {
            buffer[r] = next[r];
        }
        used = kept;
    }

    /**
     * The top {@code r} components of the centered points and what they explain.
     *
     * <p>Rayleigh-Ritz in the span of A = [B's rows; μ], done in the m×m Gram matrix G = AAᵀ so that
     * the cost is one pass of m(m+1)/2 dot products over k plus r·m·k for the components: with
     * G = VSVᵀ and W = V S^{−1/2} (directions with S below 1e-12 of the largest dropped), Q = WᵀA has
     * orthonormal rows, and QCQᵀ = Wᵀ(G_B G_Bᵀ/n − g_μ g_μᵀ)W, where G_B are G's columns of B's rows
     * and g_μ its column of μ.
     */
    public Result result(int r) {
        if (n == 0) {
            return new Result(new double[0], new double[0][], new double[dimension], 0);
        }
        double[] mean = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            mean[i] = sum[i] / n;
        }
        double trace = Math.max(0, sumSquares / n - dot(mean, mean));
        int m = used + 1;
        double[][] a = new double[m][];
        for (int row = 0; row < used; row++) {
            a[row] = buffer[row];
        }
        a[used] = mean;
        double[][] g = new double[m][m];
        for (int x = 0; x < m; x++) {
            for (int y = x; y < m; y++) {
                double v = dot(a[x], a[y]);
                g[x][y] = v;
                g[y][x] = v;
            }
        }
        Eigen eg = Eigen.of(g);
        double largest = Math.max(eg.values[0], 0);
        int q = 0;
        while (q < m && eg.values[q] > 1e-12 * largest && eg.values[q] > 0) {
            q++;
        }
        if (q == 0) {
            return new Result(new double[0], new double[0][], mean, trace);
        }
        // W (m × q).
        double[][] w = new double[m][q];
        for (int j = 0; j < q; j++) {
            double f = 1 / Math.sqrt(eg.values[j]);
            for (int x = 0; x < m; x++) {
                w[x][j] = eg.vectors[j][x] * f;
            }
        }
        // P = G_B G_Bᵀ / n − g_μ g_μᵀ (m × m).
        double[][] p = new double[m][m];
        for (int x = 0; x < m; x++) {
            for (int y = x; y < m; y++) {
                double v = 0;
                for (int row = 0; row < used; row++) {
                    v += g[x][row] * g[y][row];
                }
                v = v / n - g[x][used] * g[y][used];
                p[x][y] = v;
                p[y][x] = v;
            }
        }
        // M = Wᵀ P W (q × q).
        double[][] pw = new double[m][q];
        for (int x = 0; x < m; x++) {
            for (int j = 0; j < q; j++) {
                double v = 0;
                for (int y = 0; y < m; y++) {
                    v += p[x][y] * w[y][j];
                }
                pw[x][j] = v;
            }
        }
        double[][] mm = new double[q][q];
        for (int i = 0; i < q; i++) {
            for (int j = i; j < q; j++) {
                double v = 0;
                for (int x = 0; x < m; x++) {
                    v += w[x][i] * pw[x][j];
                }
                mm[i][j] = v;
                mm[j][i] = v;
            }
        }
        Eigen e = Eigen.of(mm);
        int k = Math.min(r, q);
        double[] ratios = new double[k];
        double[][] components = new double[k][dimension];
        for (int i = 0; i < k; i++) {
            ratios[i] = trace > 0 ? Math.max(0, e.values[i]) / trace : 0;
            for (int x = 0; x < m; x++) {
                double c = 0;
                for (int j = 0; j < q; j++) {
                    c += w[x][j] * e.vectors[i][j];
                }
                if (c != 0) {
                    double[] ax = a[x];
                    double[] out = components[i];
                    for (int d = 0; d < dimension; d++) {
                        out[d] += c * ax[d];
                    }
                }
            }
        }
        return new Result(ratios, components, mean, trace);
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

    @Override
    public String toString() {
        return "TrajectoryPca[n=" + n + ", k=" + dimension + ", rows=" + used + "/" + buffer.length + ", mean0="
                + (n == 0 ? 0 : sum[0] / n) + "]";
    }
}
