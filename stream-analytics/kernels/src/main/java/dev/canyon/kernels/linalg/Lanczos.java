package dev.canyon.kernels.linalg;

/**
 * The largest eigenvalues and their eigenvectors of a symmetric n×n matrix given only as a product
 * y = Ax, by the Lanczos iteration with full reorthogonalization (Golub and Van Loan, section
 * 10.1; Parlett, "The Symmetric Eigenvalue Problem", chapter 13). Used where {@link Eigen}'s
 * Jacobi sweeps, O(n³) each, are too slow: the stream's PCA asks for the top three eigenpairs of a
 * Gram matrix of about a hundred rows every few samples.
 *
 * <p>Method: Krylov vectors from a fixed pseudo-random start (so results are a deterministic
 * function of A), each orthogonalized twice against all earlier ones; every few iterations the
 * tridiagonal projection is solved by implicit QL, and the iteration stops when each wanted Ritz
 * pair (θ, y) has residual ‖Ay − θy‖ = β_m |e_mᵀs| ≤ {@value #TOLERANCE} · |θ_1|, whose eigenvalue error is then
 * below residual²/gap, or when the Krylov space is all of R^n (then the pairs are exact to
 * rounding). An invariant subspace found early restarts from a new vector orthogonal to it, so
 * eigenvalues are not missed for want of a start vector. Matrices of at most {@value #DENSE_BELOW}
 * rows are formed (n products) and handed to {@link Eigen}.
 *
 * <p>Cost: m products plus O(m²n) for the reorthogonalization and O(m³) per solve of the projection,
 * m the iterations taken (typically 15 to 40 for the top three of a decaying spectrum, at most n).
 * NaN or infinite products give NaN results.
 */
public final class Lanczos {
    /** Relative residual below which a Ritz pair counts as converged. */
    public static final double TOLERANCE = 1e-10;
    /** Matrices smaller than this are formed and solved by Jacobi rotations. */
    public static final int DENSE_BELOW = 24;

    private Lanczos() {}

    /** The product y = Ax of a symmetric matrix A with x; must not modify x. */
    @FunctionalInterface
    public interface Operator {
        void apply(double[] x, double[] y);
    }

    /**
     * Top eigenpairs.
     *
     * @param values eigenvalues, descending
     * @param vectors vectors[i] is the unit eigenvector of values[i] (length n)
     */
    public record Top(double[] values, double[][] vectors) {}

    /** The top {@code r} eigenpairs (fewer if n < r) of the symmetric matrix {@code a}, a dense array. */
    public static Top top(double[][] a, int r) {
        int n = a.length;
        return top((x, y) -> {
            for (int i = 0; i < n; i++) {
                double[] row = a[i];
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += row[j] * x[j];
                }
                y[i] = s;
            }
        }, n, r);
    }

    /** The top {@code r} eigenpairs (fewer if n < r) of the symmetric n×n matrix that {@code op} applies. */
    public static Top top(Operator op, int n, int r) {
        return top(op, n, r, TOLERANCE);
    }

    /**
     * As {@link #top(Operator, int, int)}, converged when each residual is at most {@code tolerance}
     * times the largest eigenvalue's magnitude (the eigenvalue's error is then about tolerance² ·
     * θ_1² / gap).
     */
    public static Top top(Operator op, int n, int r, double tolerance) {
        int want = Math.min(r, n);
        if (want <= 0) {
            return new Top(new double[0], new double[0][]);
        }
        if (n < DENSE_BELOW) {
            return dense(op, n, want);
        }
        return iterate(op, n, want, tolerance, true);
    }

    /**
     * All eigenvalues, descending, of the small symmetric matrix {@code a}: n Lanczos steps (the
     * projection is then a similarity transform of a) and implicit QL, about 4n³ operations where
     * Jacobi's sweeps take ten times more; no vectors. For the many small matrices of a Monte Carlo.
     */
    public static double[] values(double[][] a) {
        int n = a.length;
        if (n == 0) {
            return new double[0];
        }
        if (n == 1) {
            return new double[] {a[0][0]};
        }
        Operator op = (x, y) -> {
            for (int i = 0; i < n; i++) {
                double[] row = a[i];
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += row[j] * x[j];
                }
                y[i] = s;
            }
        };
        return iterate(op, n, n, 0, false).values();
    }

    private static Top iterate(Operator op, int n, int want, double tolerance, boolean vectorsWanted) {
        double[][] q = new double[n][];
        double[] alpha = new double[n];
        double[] beta = new double[n];
        java.util.SplittableRandom random = new java.util.SplittableRandom(0x1A2C05L + n);
        double[] v = startVector(random, n, q, 0);
        q[0] = v;
        double[] w = new double[n];
        int m = 0;
        int next = Math.min(n, Math.max(2 * want + 8, 20));
        double[] theta = null;
        double[][] s = null;
        while (true) {
            double[] qj = q[m];
            op.apply(qj, w);
            double a = dot(qj, w);
            alpha[m] = a;
            if (!Double.isFinite(a)) {
                return nan(n, want);
            }
            for (int i = 0; i < n; i++) {
                w[i] -= a * qj[i] + (m > 0 ? beta[m - 1] * q[m - 1][i] : 0);
            }
            orthogonalize(w, q, m + 1);
            orthogonalize(w, q, m + 1);
            double b = Math.sqrt(dot(w, w));
            m++;
            if (m == n) {
                beta[m - 1] = 0;
                break;
            }
            double scale = Math.abs(a) + (m > 1 ? beta[m - 2] : 0);
            if (b <= 1e-12 * Math.max(scale, Double.MIN_NORMAL)) {
                // An invariant subspace: go on from a vector orthogonal to it (β = 0 splits the projection).
                double[] fresh = startVector(random, n, q, m);
                if (fresh == null) {
                    beta[m - 1] = 0;
                    break;
                }
                beta[m - 1] = 0;
                q[m] = fresh;
            } else {
                beta[m - 1] = b;
                double[] nq = new double[n];
                for (int i = 0; i < n; i++) {
                    nq[i] = w[i] / b;
                }
                q[m] = nq;
            }
            if (m == next) {
                double[][] z = new double[m][m];
                theta = tridiagonalEigen(alpha, beta, m, z);
                s = z;
                if (theta == null) {
                    return nan(n, want);
                }
                if (converged(theta, s, beta[m - 1], m, want, tolerance)) {
                    break;
                }
                next = Math.min(n, m + 10);
            }
        }
        double[][] z = new double[m][m];
        theta = tridiagonalEigen(alpha, beta, m, z);
        if (theta == null) {
            return nan(n, want);
        }
        s = z;
        int k = Math.min(want, m);
        double[] values = new double[k];
        double[][] vectors = new double[vectorsWanted ? k : 0][n];
        for (int i = 0; i < k; i++) {
            values[i] = theta[i];
            if (!vectorsWanted) {
                continue;
            }
            double[] out = vectors[i];
            for (int l = 0; l < m; l++) {
                double c = s[l][i];
                double[] ql = q[l];
                for (int j = 0; j < n; j++) {
                    out[j] += c * ql[j];
                }
            }
            double norm = Math.sqrt(dot(out, out));
            if (norm > 0) {
                for (int j = 0; j < n; j++) {
                    out[j] /= norm;
                }
            }
        }
        return new Top(values, vectors);
    }

    private static boolean converged(double[] theta, double[][] s, double lastBeta, int m, int want, double tolerance) {
        double top = Math.max(Math.abs(theta[0]), Double.MIN_NORMAL);
        for (int i = 0; i < Math.min(want, m); i++) {
            if (!(Math.abs(lastBeta * s[m - 1][i]) <= tolerance * top)) {
                return false;
            }
        }
        return m >= want;
    }

    /** A pseudo-random unit vector orthogonal to q[0..m−1], or null if there is none left. */
    private static double[] startVector(java.util.SplittableRandom random, int n, double[][] q, int m) {
        for (int attempt = 0; attempt < 3; attempt++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = random.nextDouble() - 0.5;
            }
            double before = Math.sqrt(dot(v, v));
            orthogonalize(v, q, m);
            orthogonalize(v, q, m);
            double norm = Math.sqrt(dot(v, v));
            if (norm > 1e-8 * before) {
                for (int i = 0; i < n; i++) {
                    v[i] /= norm;
                }
                return v;
            }
        }
        return null;
    }

    /** w −= Σ ⟨q_i, w⟩ q_i over the first m vectors (classical Gram-Schmidt; called twice). */
    private static void orthogonalize(double[] w, double[][] q, int m) {
        for (int i = 0; i < m; i++) {
            double[] qi = q[i];
            double c = dot(qi, w);
            for (int j = 0; j < w.length; j++) {
                w[j] -= c * qi[j];
            }
        }
    }

    private static Top dense(Operator op, int n, int want) {
        double[][] a = new double[n][n];
        double[] x = new double[n];
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            x[j] = 1;
            op.apply(x, y);
            x[j] = 0;
            for (int i = 0; i < n; i++) {
                a[i][j] = y[i];
            }
        }
        // Symmetrize what rounding made unequal, so that Jacobi sees a symmetric matrix.
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = (a[i][j] + a[j][i]) / 2;
                a[i][j] = v;
                a[j][i] = v;
            }
        }
        Eigen e = Eigen.of(a);
        double[] values = java.util.Arrays.copyOf(e.values, want);
        double[][] vectors = new double[want][];
        for (int i = 0; i < want; i++) {
            vectors[i] = e.vectors[i].clone();
        }
        return new Top(values, vectors);
    }

    private static Top nan(int n, int want) {
        double[] values = new double[want];
        double[][] vectors = new double[want][n];
        java.util.Arrays.fill(values, Double.NaN);
        for (double[] v : vectors) {
            java.util.Arrays.fill(v, Double.NaN);
        }
        return new Top(values, vectors);
    }

    /**
     * Eigenvalues (descending) of the m×m symmetric tridiagonal matrix with diagonal alpha and
     * off-diagonal beta (beta[i] couples i and i+1), by implicit QL (the tql2 of EISPACK, as in
     * JAMA); z receives the eigenvectors as columns, z[l][i] the l-th component of the i-th. Null if
     * an entry is not finite or an eigenvalue does not converge.
     */
    static double[] tridiagonalEigen(double[] alpha, double[] beta, int m, double[][] z) {
        double[] d = new double[m];
        double[] e = new double[m];
        for (int i = 0; i < m; i++) {
            d[i] = alpha[i];
            e[i] = i < m - 1 ? beta[i] : 0;
            if (!Double.isFinite(d[i]) || !Double.isFinite(e[i])) {
                return null;
            }
            z[i][i] = 1;
        }
        double f = 0;
        double tst1 = 0;
        double eps = Math.ulp(1.0);
        for (int l = 0; l < m; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int mm = l;
            while (mm < m - 1 && Math.abs(e[mm]) > eps * tst1) {
                mm++;
            }
            if (mm > l) {
                int iter = 0;
                do {
                    if (++iter > 100) {
                        return null;
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.hypot(p, 1);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < m; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[mm];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = mm - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (int k = 0; k < m; k++) {
                            h = z[k][i + 1];
                            z[k][i + 1] = s * z[k][i] + c * h;
                            z[k][i] = c * z[k][i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                    if (!Double.isFinite(e[l])) {
                        return null;
                    }
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] = d[l] + f;
            e[l] = 0;
        }
        // Sort descending, moving the vectors with their values.
        for (int i = 0; i < m - 1; i++) {
            int best = i;
            for (int j = i + 1; j < m; j++) {
                if (d[j] > d[best]) {
                    best = j;
                }
            }
            if (best != i) {
                double t = d[i];
                d[i] = d[best];
                d[best] = t;
                for (int k = 0; k < m; k++) {
                    t = z[k][i];
                    z[k][i] = z[k][best];
                    z[k][best] = t;
                }
            }
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
        }
        if (i < a.length) {
            s0 += a[i] * b[i];
        }
        return s0 + s1;
    }
}
