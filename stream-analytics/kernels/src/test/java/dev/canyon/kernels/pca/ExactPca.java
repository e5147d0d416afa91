package dev.canyon.kernels.pca;

/**
 * The reference for the PCA tests: exact batch PCA of a set of points, independent of the code
 * under test (which uses Lanczos and Jacobi). The centred points' Gram matrix (n × n) or covariance
 * (k × k), whichever is smaller, is reduced to tridiagonal form by Householder reflections and
 * diagonalized by implicit QL (tred2 and tql2 of EISPACK, as in the public-domain JAMA), all
 * eigenpairs, O(min(n, k)³).
 *
 * @param values eigenvalues of the covariance, descending (min(n, k) of them)
 * @param ratios values over their sum (the exact trace)
 * @param components unit eigenvectors of the covariance in R^k for the first few values
 */
record ExactPca(double[] values, double[] ratios, double[][] components) {

    /** Exact PCA of {@code points} (n × k), with the first {@code r} components. */
    static ExactPca of(float[][] points, int r) {
        int n = points.length;
        int k = points[0].length;
        double[] mean = new double[k];
        for (float[] p : points) {
            for (int j = 0; j < k; j++) {
                mean[j] += p[j];
            }
        }
        for (int j = 0; j < k; j++) {
            mean[j] /= n;
        }
        double[][] c = new double[n][k];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                c[t][j] = points[t][j] - mean[j];
            }
        }
        boolean gram = n <= k;
        int m = gram ? n : k;
        double[][] a = new double[m][m];
        if (gram) {
            for (int s = 0; s < n; s++) {
                for (int t = s; t < n; t++) {
                    double v = 0;
                    for (int j = 0; j < k; j++) {
                        v += c[s][j] * c[t][j];
                    }
                    a[s][t] = v / n;
                    a[t][s] = v / n;
                }
            }
        } else {
            for (double[] row : c) {
                for (int i = 0; i < k; i++) {
                    double ri = row[i] / n;
                    if (ri != 0) {
                        double[] ai = a[i];
                        for (int j = i; j < k; j++) {
                            ai[j] += ri * row[j];
                        }
                    }
                }
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < i; j++) {
                    a[i][j] = a[j][i];
                }
            }
        }
        double[][] v = new double[m][];
        for (int i = 0; i < m; i++) {
            v[i] = a[i].clone();
        }
        double[] d = new double[m];
        double[] e = new double[m];
        tred2(v, d, e);
        tql2(v, d, e);
        // Ascending from tql2: reverse.
        double[] values = new double[m];
        double trace = 0;
        for (int i = 0; i < m; i++) {
            values[i] = d[m - 1 - i];
            trace += values[i];
        }
        double[] ratios = new double[m];
        for (int i = 0; i < m; i++) {
            ratios[i] = values[i] / trace;
        }
        int q = Math.min(r, m);
        double[][] components = new double[q][k];
        for (int i = 0; i < q; i++) {
            int col = m - 1 - i;
            if (gram) {
                // u eigenvector of (1/n) C Cᵀ: the component is Cᵀu, normalized.
                for (int t = 0; t < n; t++) {
                    double ut = v[t][col];
                    for (int j = 0; j < k; j++) {
                        components[i][j] += ut * c[t][j];
                    }
                }
                double norm = Math.sqrt(TrajectoryPca.dot(components[i], components[i]));
                for (int j = 0; j < k; j++) {
                    components[i][j] /= norm;
                }
            } else {
                for (int j = 0; j < k; j++) {
                    components[i][j] = v[j][col];
                }
            }
        }
        return new ExactPca(values, ratios, components);
    }

    /** Householder tridiagonalization; v in: the matrix, out: the transformation; d diagonal, e sub-diagonal (e[i] couples i−1 and i). */
    static void tred2(double[][] v, double[] d, double[] e) {
        int n = d.length;
        for (int j = 0; j < n; j++) {
            d[j] = v[n - 1][j];
        }
        for (int i = n - 1; i > 0; i--) {
            double scale = 0;
            double h = 0;
            for (int k = 0; k < i; k++) {
                scale += Math.abs(d[k]);
            }
            if (scale == 0) {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++) {
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                    v[j][i] = 0;
                }
            } else {
                for (int k = 0; k < i; k++) {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.sqrt(h);
                if (f > 0) {
                    g = -g;
                }
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) {
                    e[j] = 0;
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    v[j][i] = f;
                    g = e[j] + v[j][j] * f;
                    for (int k = j + 1; k <= i - 1; k++) {
                        g += v[k][j] * d[k];
                        e[k] += v[k][j] * f;
                    }
                    e[j] = g;
                }
                f = 0;
                for (int j = 0; j < i; j++) {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) {
                    e[j] -= hh * d[j];
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) {
                        v[k][j] -= f * e[k] + g * d[k];
                    }
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                }
            }
            d[i] = h;
        }
        for (int i = 0; i < n - 1; i++) {
            v[n - 1][i] = v[i][i];
            v[i][i] = 1;
            double h = d[i + 1];
            if (h != 0) {
                for (int k = 0; k <= i; k++) {
                    d[k] = v[k][i + 1] / h;
                }
                for (int j = 0; j <= i; j++) {
                    double g = 0;
                    for (int k = 0; k <= i; k++) {
                        g += v[k][i + 1] * v[k][j];
                    }
                    for (int k = 0; k <= i; k++) {
                        v[k][j] -= g * d[k];
                    }
                }
            }
            for (int k = 0; k <= i; k++) {
                v[k][i + 1] = 0;
            }
        }
        for (int j = 0; j < n; j++) {
            d[j] = v[n - 1][j];
            v[n - 1][j] = 0;
        }
        v[n - 1][n - 1] = 1;
        e[0] = 0;
    }

    /** Implicit QL on the tridiagonal tred2 left; eigenvalues ascending in d, eigenvectors as v's columns. */
    static void tql2(double[][] v, double[] d, double[] e) {
        int n = d.length;
        for (int i = 1; i < n; i++) {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0;
        double f = 0;
        double tst1 = 0;
        double eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.abs(e[m]) > eps * tst1) {
                m++;
            }
            if (m > l) {
                do {
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
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
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
                        for (int k = 0; k < n; k++) {
                            h = v[k][i + 1];
                            v[k][i + 1] = s * v[k][i] + c * h;
                            v[k][i] = c * v[k][i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
        for (int i = 0; i < n - 1; i++) {
            int k = i;
            double p = d[i];
            for (int j = i + 1; j < n; j++) {
                if (d[j] < p) {
                    k = j;
                    p = d[j];
                }
            }
            if (k != i) {
                d[k] = d[i];
                d[i] = p;
                for (int j = 0; j < n; j++) {
                    double t = v[j][i];
                    v[j][i] = v[j][k];
                    v[j][k] = t;
                }
            }
        }
    }
}
