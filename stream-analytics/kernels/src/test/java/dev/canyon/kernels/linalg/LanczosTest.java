package dev.canyon.kernels.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Lanczos against Jacobi ({@link Eigen}) on dense symmetric matrices: the top eigenvalues within
 * 1e-9 of the largest (the residual tolerance is 1e-10 of it, and the eigenvalue error is of its
 * square), the vectors unit, orthogonal and eigenvectors to the same order; low rank, repeated
 * eigenvalues and a zero matrix (where the Krylov space is exhausted early) included.
 */
class LanczosTest {

    static double[][] randomSymmetric(Random r, int n, double decay) {
        // Q diag(λ) Qᵀ with λ_i = decay^i, through Householder reflections of random vectors.
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = Math.pow(decay, i) * (r.nextBoolean() ? 1 : -0.3);
        }
        for (int h = 0; h < 3; h++) {
            double[] v = new double[n];
            double norm = 0;
            for (int i = 0; i < n; i++) {
                v[i] = r.nextGaussian();
                norm += v[i] * v[i];
            }
            double[][] p = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    p[i][j] = (i == j ? 1 : 0) - 2 * v[i] * v[j] / norm;
                }
            }
            a = multiply(multiply(p, a), p);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double s = (a[i][j] + a[j][i]) / 2;
                a[i][j] = s;
                a[j][i] = s;
            }
        }
        return a;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    static void assertTopMatches(double[][] a, int r) {
        Eigen e = Eigen.of(a);
        Lanczos.Top top = Lanczos.top(a, r);
        int n = a.length;
        double scale = Math.max(Math.abs(e.values[0]), 1e-300);
        assertThat(top.values()).hasSize(Math.min(r, n));
        for (int i = 0; i < top.values().length; i++) {
            assertThat(top.values()[i]).as("eigenvalue %d of %d", i, n).isCloseTo(e.values[i], within(1e-9 * scale));
            double[] v = top.vectors()[i];
            double[] av = new double[n];
            double residual = 0;
            for (int x = 0; x < n; x++) {
                for (int y = 0; y < n; y++) {
                    av[x] += a[x][y] * v[y];
                }
                residual += Math.pow(av[x] - top.values()[i] * v[x], 2);
            }
            assertThat(Math.sqrt(residual)).as("residual of pair %d", i).isLessThan(1e-8 * scale);
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int x = 0; x < n; x++) {
                    dot += v[x] * top.vectors()[j][x];
                }
                assertThat(dot).isCloseTo(i == j ? 1 : 0, within(1e-9));
            }
        }
    }

    @Test
    void topEigenpairsMatchJacobi() {
        Random r = new Random(1);
        for (int n : new int[] {5, 23, 24, 40, 97}) {
            for (double decay : new double[] {0.5, 0.9, 0.99}) {
                assertTopMatches(randomSymmetric(r, n, decay), 3);
            }
        }
        assertTopMatches(randomSymmetric(r, 60, 0.8), 12);
    }

    /** A Gram matrix of rank 2, and one with a repeated top eigenvalue: the Krylov space ends early, the pairs are still right. */
    @Test
    void lowRankAndRepeatedEigenvalues() {
        Random r = new Random(2);
        int n = 50;
        double[][] x = new double[2][n];
        for (double[] row : x) {
            for (int i = 0; i < n; i++) {
                row[i] = r.nextGaussian();
            }
        }
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                g[i][j] = x[0][i] * x[0][j] + x[1][i] * x[1][j];
            }
        }
        assertTopMatches(g, 3);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = i < 3 ? 2 : 1.0 / (i + 1);
        }
        assertTopMatches(a, 4);
        assertThat(Lanczos.top(new double[40][40], 3).values()).containsExactly(0, 0, 0);
    }

    @Test
    void allValuesOfSmallMatrices() {
        Random r = new Random(3);
        for (int n = 1; n <= 20; n++) {
            double[][] a = randomSymmetric(r, n, 0.7);
            double[] values = Lanczos.values(a);
            Eigen e = Eigen.of(a);
            assertThat(values).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(values[i]).isCloseTo(e.values[i], within(1e-12));
            }
        }
        assertThat(Lanczos.values(new double[0][0])).isEmpty();
    }

    @Test
    void nanGivesNan() {
        double[][] a = randomSymmetric(new Random(4), 30, 0.8);
        a[3][5] = Double.NaN;
        a[5][3] = Double.NaN;
        Lanczos.Top top = Lanczos.top(a, 2);
        assertThat(top.values()).hasSize(2);
        assertThat(top.values()[0]).isNaN();
        assertThat(top.values()[1]).isNaN();
        assertThat(Lanczos.top(a, 0).values()).isEmpty();
    }
}
