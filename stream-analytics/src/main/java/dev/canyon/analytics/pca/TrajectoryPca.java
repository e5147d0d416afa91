package dev.canyon.analytics.pca;

import dev.canyon.contract.linalg.Eigen;
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
 */
public final class TrajectoryPca {
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
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
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

    public long count() {
        return n;
    }

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

    /** The top {@code r} components of the centered points and what they explain. */
    public Result result(int r) {
        if (n == 0) {
            return new Result(new double[0], new double[0][], new double[dimension], 0);
        }
        double[] mean = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            mean[i] = sum[i] / n;
        }
        double trace = Math.max(0, sumSquares / n - dot(mean, mean));
        // Orthonormal basis of span(B rows, μ).
        double[][] basis = new double[used + 1][];
        int m = 0;
        for (int row = 0; row <= used; row++) {
            double[] v = (row < used ? buffer[row] : mean).clone();
            for (int pass = 0; pass < 2; pass++) {
                for (int b = 0; b < m; b++) {
                    double c = dot(v, basis[b]);
                    for (int j = 0; j < dimension; j++) {
                        v[j] -= c * basis[b][j];
                    }
                }
            }
            double norm = Math.sqrt(dot(v, v));
            if (norm > 1e-12 * Math.sqrt(Math.max(sumSquares / n, 1e-300))) {
                for (int j = 0; j < dimension; j++) {
                    v[j] /= norm;
                }
                basis[m++] = v;
            }
        }
        // M = Q (BᵀB/n − μμᵀ) Qᵀ.
        double[][] qb = new double[m][used];
        double[] qmu = new double[m];
        for (int a = 0; a < m; a++) {
            for (int row = 0; row < used; row++) {
                qb[a][row] = dot(basis[a], buffer[row]);
            }
            qmu[a] = dot(basis[a], mean);
        }
        double[][] mm = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                double s = 0;
                for (int row = 0; row < used; row++) {
                    s += qb[a][row] * qb[b][row];
                }
                s = s / n - qmu[a] * qmu[b];
                mm[a][b] = s;
                mm[b][a] = s;
            }
        }
        Eigen e = Eigen.of(mm);
        int k = Math.min(r, m);
        double[] ratios = new double[k];
        double[][] components = new double[k][dimension];
        for (int i = 0; i < k; i++) {
            ratios[i] = trace > 0 ? Math.max(0, e.values[i]) / trace : 0;
            for (int a = 0; a < m; a++) {
                double c = e.vectors[i][a];
                for (int j = 0; j < dimension; j++) {
                    components[i][j] += c * basis[a][j];
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

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Override
    public String toString() {
        return "TrajectoryPca[n=" + n + ", k=" + dimension + ", rows=" + used + "/" + buffer.length + ", mean0="
                + (n == 0 ? 0 : sum[0] / n) + "]";
    }
}
