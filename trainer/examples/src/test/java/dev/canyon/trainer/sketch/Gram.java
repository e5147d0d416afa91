package dev.canyon.trainer.sketch;

/**
 * Exact references over a set of points through their Gram matrix: all pairwise distances and the
 * PCA explained-variance ratios (eigenvalues of the centred Gram matrix, by orthogonal iteration
 * with Rayleigh-Ritz and a Jacobi solve of the small projected matrix).
 */
final class Gram {
    private Gram() {}

    /** ‖x_i − x_j‖ for all i, j, in double. */
    static double[][] distances(float[][] x) {
        double[][] g = gram(x, false);
        int n = x.length;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = Math.sqrt(Math.max(0, g[i][i] + g[j][j] - 2 * g[i][j]));
            }
        }
        return d;
    }

    /** The top {@code r} explained-variance ratios of the points' PCA. */
    static double[] explainedVarianceRatios(float[][] x, int r) {
        double[][] g = gram(x, true);
        int n = g.length;
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += g[i][i];
        }
        int b = r + 4;
        double[][] q = new double[b][n];
        java.util.Random rnd = new java.util.Random(1);
        for (double[] v : q) {
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextGaussian();
            }
        }
        orthonormalize(q);
        for (int it = 0; it < 300; it++) {
            double[][] z = new double[b][];
            for (int c = 0; c < b; c++) {
                z[c] = multiply(g, q[c]);
            }
            q = z;
            orthonormalize(q);
        }
        double[][] t = new double[b][b];
        for (int a = 0; a < b; a++) {
            double[] gq = multiply(g, q[a]);
            for (int c = 0; c < b; c++) {
                t[a][c] = dot(q[c], gq);
            }
        }
        double[] eig = dev.canyon.kernels.linalg.Eigen.of(t).values;
        java.util.Arrays.sort(eig);
        double[] out = new double[r];
        for (int i = 0; i < r; i++) {
            out[i] = eig[eig.length - 1 - i] / trace;
        }
        return out;
    }

    private static double[][] gram(float[][] x, boolean centre) {
        int n = x.length;
        int d = x[0].length;
        double[][] rows = new double[n][d];
        double[] mean = new double[d];
        for (float[] v : x) {
            for (int k = 0; k < d; k++) {
                mean[k] += v[k] / (double) n;
            }
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                rows[i][k] = centre ? x[i][k] - mean[k] : x[i][k];
            }
        }
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = dot(rows[i], rows[j]);
                g[i][j] = s;
                g[j][i] = s;
            }
        }
        return g;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void orthonormalize(double[][] q) {
        for (int a = 0; a < q.length; a++) {
            for (int c = 0; c < a; c++) {
                double p = dot(q[a], q[c]);
                for (int i = 0; i < q[a].length; i++) {
                    q[a][i] -= p * q[c][i];
                }
            }
            double norm = Math.sqrt(dot(q[a], q[a]));
            for (int i = 0; i < q[a].length; i++) {
                q[a][i] /= norm;
            }
        }
    }
}
