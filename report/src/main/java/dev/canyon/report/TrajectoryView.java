package dev.canyon.report;

import dev.canyon.kernels.linalg.Eigen;
import java.util.ArrayList;
import java.util.List;

/**
 * Batch PCA of a run's trajectory (seed 002, figure 1): the positions θ_t at aligned steps, centred,
 * decomposed through their n × n Gram matrix (n ≤ {@link #MAX_POINTS}; evenly thinned beyond), and
 * projected onto the top two principal directions. The explained-variance ratios are exact for the
 * points given (the stream's own PCA is an approximation of the same quantity, over a sample).
 *
 * @param steps the steps of the projected positions
 * @param pc1 coordinate of each position on the first principal direction (parameter-space units)
 * @param pc2 the same on the second
 * @param explained explained-variance ratio of the top components, descending
 */
public record TrajectoryView(long[] steps, double[] pc1, double[] pc2, double[] explained) {

    /** At most this many positions enter the decomposition (Jacobi on an n × n matrix). */
    public static final int MAX_POINTS = 200;

    /** A position θ at a step. */
    public record Point(long step, float[] theta) {}

    /** The view of {@code points} (at least 3, all of one dimension), keeping {@code components} ratios. */
    public static TrajectoryView of(List<Point> points, int components) {
        if (points.size() < 3) {
            throw new IllegalArgumentException("a trajectory PCA needs at least 3 positions, got " + points.size());
        }
        List<Point> used = thin(points, MAX_POINTS);
        int n = used.size();
        int d = used.get(0).theta().length;
        double[] mean = new double[d];
        for (Point p : used) {
            if (p.theta().length != d) {
                throw new IllegalArgumentException("positions of different dimensions: " + d + " and " + p.theta().length);
            }
            for (int i = 0; i < d; i++) {
                mean[i] += p.theta()[i] / (double) n;
            }
        }
        double[][] centred = new double[n][d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                centred[r][i] = used.get(r).theta()[i] - mean[i];
            }
        }
        double[][] gram = gram(centred);
        Eigen e = Eigen.of(gram);
        double total = 0;
        for (double v : e.values) {
            total += Math.max(0, v);
        }
        int k = Math.min(components, n);
        double[] explained = new double[k];
        for (int c = 0; c < k; c++) {
            explained[c] = total > 0 ? Math.max(0, e.values[c]) / total : 0;
        }
        // X_c = U S Vᵀ and the Gram matrix is U S² Uᵀ: the coordinates X_c v_k are u_k s_k.
        double[] pc1 = new double[n];
        double[] pc2 = new double[n];
        double s1 = Math.sqrt(Math.max(0, e.values[0]));
        double s2 = n > 1 ? Math.sqrt(Math.max(0, e.values[1])) : 0;
        for (int r = 0; r < n; r++) {
            pc1[r] = e.vectors[0][r] * s1;
            pc2[r] = n > 1 ? e.vectors[1][r] * s2 : 0;
        }
        // Signs are arbitrary: start on the left, and below.
        if (pc1[0] > 0) {
            negate(pc1);
        }
        if (pc2[0] > 0) {
            negate(pc2);
        }
        long[] steps = new long[n];
        for (int r = 0; r < n; r++) {
            steps[r] = used.get(r).step();
        }
        return new TrajectoryView(steps, pc1, pc2, explained);
    }

    /** The Gram matrix of the rows: G[a][b] = ⟨rows[a], rows[b]⟩. */
    static double[][] gram(double[][] rows) {
        int n = rows.length;
        double[][] g = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                double s = 0;
                for (int i = 0; i < rows[a].length; i++) {
                    s += rows[a][i] * rows[b][i];
                }
                g[a][b] = s;
                g[b][a] = s;
            }
        }
        return g;
    }

    private static void negate(double[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = -v[i];
        }
    }

    /** At most {@code max} points, evenly spaced, the first and last always kept. */
    static <T> List<T> thin(List<T> points, int max) {
        if (points.size() <= max) {
            return points;
        }
        List<T> out = new ArrayList<>(max);
        for (int i = 0; i < max; i++) {
            out.add(points.get((int) Math.round(i * (points.size() - 1) / (double) (max - 1))));
        }
        return out;
    }
}
