package dev.canyon.kernels.pca;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.linalg.Eigen;
import dev.canyon.kernels.vector.VectorOps;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The estimator of {@link TrajectoryPca} format version 1, kept so that a checkpoint written by
 * that release restores and continues bit for bit: Frequent Directions (Liberty 2013; Ghashami et
 * al. 2016) keeps an ℓ-row matrix B with ‖XᵀX − BᵀB‖₂ ≤ ‖X − X_r‖_F² / (ℓ − r) for the uncentered
 * points X; the mean and the total sum of squares are exact; the centered covariance is
 * approximated in the span of B's rows and the mean (Rayleigh-Ritz). It underestimates every
 * eigenvalue (by about 0.01 of the trace on random walks at ℓ = 8), which is why new sketches use
 * {@link TrajectoryPca}'s exact positions instead. Nothing creates one except reading a version 1
 * state (and tests).
 *
 * <p>Its state body (after the header) is version 1's layout, documented in {@link TrajectoryPca}.
 */
final class FrequentDirections {
    private final int dimension;
    private final int rows;
    private final double[][] buffer;
    private int used;
    private long n;
    private final double[] sum;
    private double sumSquares;

    FrequentDirections(int dimension, int rows) {
        if (dimension < 1 || rows < 2) {
            throw new IllegalArgumentException("need dimension >= 1 and at least 2 sketch rows, got " + dimension + ", " + rows);
        }
        this.dimension = dimension;
        this.rows = rows;
        this.buffer = new double[2 * rows][dimension];
        this.sum = new double[dimension];
    }

    int dimension() {
        return dimension;
    }

    long count() {
        return n;
    }

    void update(float[] x) {
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

    void merge(FrequentDirections other) {
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

    /** Version 1's body: everything after the header. */
    void writeBody(DataOutput out) throws IOException {
        if (rows > TrajectoryPca.MAX_PERSISTED_ROWS || 2L * rows * dimension > TrajectoryPca.MAX_PERSISTED_CELLS) {
            throw new StateFormatException(TrajectoryPca.NAME + " of " + rows + " rows in dimension " + dimension
                    + " is beyond what a state may hold (" + TrajectoryPca.MAX_PERSISTED_ROWS + " rows, "
                    + TrajectoryPca.MAX_PERSISTED_CELLS + " values)");
        }
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

    /** Reads version 1's body (the header already read). */
    static FrequentDirections readBody(DataInput i) throws IOException {
        String name = TrajectoryPca.NAME;
        long cells = TrajectoryPca.MAX_PERSISTED_CELLS;
        int k = StateFormat.readInt(i, name, "dimension", 1, (int) (cells / 4));
        int rows = StateFormat.readInt(i, name, "sketch rows", 2, TrajectoryPca.MAX_PERSISTED_ROWS);
        if (2L * rows * k > cells) {
            throw new StateFormatException(name + " state: " + rows + " rows in dimension " + k + " make " + 2L * rows * k
                    + " values, more than the " + cells + " a state may hold");
        }
        long n = StateFormat.readLong(i, name, "point count", 0, Long.MAX_VALUE);
        double sumSquares = i.readDouble();
        // The sum is read before the sketch is allocated: its k values prove k.
        double[] sum = StateFormat.readDoubles(i, k);
        int used = StateFormat.readInt(i, name, "rows in use", 0, 2 * rows);
        if (used > n) {
            throw new StateFormatException(name + " state: " + used + " rows in use from only " + n + " points");
        }
        FrequentDirections fd = new FrequentDirections(k, rows);
        System.arraycopy(sum, 0, fd.sum, 0, k);
        for (int r = 0; r < used; r++) {
            double[] row = fd.buffer[r];
            for (int j = 0; j < k; j++) {
                row[j] = i.readDouble();
            }
        }
        fd.used = used;
        fd.n = n;
        fd.sumSquares = sumSquares;
        return fd;
    }

    /** Frequent Directions shrink: keep the top {@code rows} directions, each reduced by the rows-th. */
    private void shrink() {
        int m = used;
        double[][] gram = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                double s = TrajectoryPca.dot(buffer[a], buffer[b]);
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

    /** Rayleigh-Ritz in the span of B's rows and the mean (version 1's {@code result}). */
    TrajectoryPca.Result result(int r) {
        if (n == 0) {
            return new TrajectoryPca.Result(new double[0], new double[0][], new double[dimension], 0);
        }
        double[] mean = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            mean[i] = sum[i] / n;
        }
        double trace = Math.max(0, sumSquares / n - TrajectoryPca.dot(mean, mean));
        int m = used + 1;
        double[][] a = new double[m][];
        for (int row = 0; row < used; row++) {
            a[row] = buffer[row];
        }
        a[used] = mean;
        double[][] g = new double[m][m];
        for (int x = 0; x < m; x++) {
            for (int y = x; y < m; y++) {
                double v = TrajectoryPca.dot(a[x], a[y]);
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
            return new TrajectoryPca.Result(new double[0], new double[0][], mean, trace);
        }
        double[][] w = new double[m][q];
        for (int j = 0; j < q; j++) {
            double f = 1 / Math.sqrt(eg.values[j]);
            for (int x = 0; x < m; x++) {
                w[x][j] = eg.vectors[j][x] * f;
            }
        }
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
        return new TrajectoryPca.Result(ratios, components, mean, trace);
    }

    @Override
    public String toString() {
        return "FrequentDirections[n=" + n + ", k=" + dimension + ", rows=" + used + "/" + buffer.length + "]";
    }
}
