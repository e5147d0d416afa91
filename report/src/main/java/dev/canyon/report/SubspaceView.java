package dev.canyon.report;

import dev.canyon.kernels.linalg.Eigen;
import java.util.List;
import java.util.Random;

/**
 * The 2-D subspace view of seed 000: the plane through θ_0 and θ_T spanned by u = (θ_T − θ_0)/‖θ_T − θ_0‖
 * and v, the first principal direction of the path's deviation from that line (the uncentred top
 * eigenvector of the residuals r_i = (θ_i − θ_0) − ((θ_i − θ_0)·u) u of the snapshots θ_i); the loss is
 * re-evaluated on a grid of that plane, θ(a, b) = θ_0 + a·u + b·v, and the path is drawn by projecting
 * each snapshot to (a, b) = ((θ_i − θ_0)·u, (θ_i − θ_0)·v). When the snapshots never leave the line
 * (fewer than three, or residuals below 1e-5 of the farthest snapshot's distance from θ_0) v is a seeded random direction
 * orthogonal to u, and {@link Plane#secondDirection} says so.
 */
public final class SubspaceView {

    /** The loss at a point of parameter space. */
    public interface LossFunction {
        double loss(double[] theta);
    }

    /** Receives progress: grid points evaluated so far and in all. */
    public interface Progress {
        void update(long done, long total);
    }

    /**
     * @param origin θ_0
     * @param u unit vector from θ_0 to θ_T
     * @param v unit vector orthogonal to u
     * @param length ‖θ_T − θ_0‖
     * @param secondDirection how v was chosen, in words
     */
    public record Plane(double[] origin, double[] u, double[] v, double length, String secondDirection) {
        /** θ_0 + a·u + b·v. */
        public double[] at(double a, double b) {
            double[] t = new double[origin.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = origin[i] + a * u[i] + b * v[i];
            }
            return t;
        }

        /** (a, b) of the orthogonal projection of θ onto the plane. */
        public double[] project(float[] theta) {
            double a = 0;
            double b = 0;
            for (int i = 0; i < origin.length; i++) {
                double r = theta[i] - origin[i];
                a += r * u[i];
                b += r * v[i];
            }
            return new double[] {a, b};
        }
    }

    /**
     * A grid of losses: {@code loss[j][i]} at (a[i], b[j]).
     *
     * @param a coordinates along u
     * @param b coordinates along v
     * @param loss the loss at each grid point (NaN where the model's loss was not finite)
     */
    public record Grid(double[] a, double[] b, double[][] loss) {}

    private SubspaceView() {}

    /** The plane of a path whose first snapshot is θ_0 and last θ_T. */
    public static Plane plane(List<float[]> snapshots, long seed) {
        if (snapshots.size() < 2) {
            throw new IllegalArgumentException("the subspace view needs θ_0 and θ_T: at least 2 snapshots, got " + snapshots.size());
        }
        float[] first = snapshots.get(0);
        float[] last = snapshots.get(snapshots.size() - 1);
        int d = first.length;
        double[] origin = new double[d];
        double[] u = new double[d];
        for (int i = 0; i < d; i++) {
            origin[i] = first[i];
            u[i] = (double) last[i] - first[i];
        }
        double length = norm(u);
        if (!(length > 0)) {
            throw new IllegalArgumentException("θ_T equals θ_0: the run did not move, there is no plane to draw");
        }
        scale(u, 1 / length);
        // The residuals r_i = x_i − (x_i·u) u of x_i = θ_i − θ_0 are never stored: their Gram matrix is
        // X Xᵀ − a aᵀ with a_i = x_i·u, and v = Σ e_i r_i = Σ e_i x_i − (Σ e_i a_i) u. At most
        // TrajectoryView.MAX_POINTS snapshots (evenly thinned, first and last kept) enter the decomposition.
        List<float[]> used = TrajectoryView.thin(snapshots, TrajectoryView.MAX_POINTS);
        int n = used.size();
        double[][] x = new double[n][];
        double[] along = new double[n];
        for (int r = 0; r < n; r++) {
            float[] s = used.get(r);
            if (s.length != d) {
                throw new IllegalArgumentException("snapshots of different dimensions: " + d + " and " + s.length);
            }
            x[r] = new double[d];
            for (int i = 0; i < d; i++) {
                x[r][i] = s[i] - origin[i];
                along[r] += x[r][i] * u[i];
            }
        }
        double[][] gram = TrajectoryView.gram(x);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                gram[a][b] -= along[a] * along[b];
            }
        }
        Eigen e = Eigen.of(gram);
        double[] v = new double[d];
        String how;
        double scale = 0;
        for (int r = 0; r < n; r++) {
            scale = Math.max(scale, gram[r][r] + along[r] * along[r]);
        }
        // X Xᵀ − a aᵀ cancels to rounding (about 1e-16 of ‖x‖²) for points on the line: deviations below
        // 1e-5 of the farthest snapshot's distance count as none.
        if (e.values[0] > 1e-10 * scale) {
            double c = 0;
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < d; i++) {
                    v[i] += e.vectors[0][r] * x[r][i];
                }
                c += e.vectors[0][r] * along[r];
            }
            for (int i = 0; i < d; i++) {
                v[i] -= c * u[i];
            }
            how = "first principal direction of the path's deviation from the line θ_0 → θ_T (" + n + " snapshots)";
        } else {
            Random random = new Random(seed);
            for (int i = 0; i < d; i++) {
                v[i] = random.nextGaussian();
            }
            how = "a random direction (seed " + seed + "): the snapshots never leave the line θ_0 → θ_T";
        }
        double onU = dot(v, u);
        for (int i = 0; i < d; i++) {
            v[i] -= onU * u[i];
        }
        double vn = norm(v);
        if (!(vn > 0)) {
            throw new IllegalArgumentException("could not find a second direction for the plane");
        }
        scale(v, 1 / vn);
        // Orient v so that the path's largest deviation is positive.
        double extreme = 0;
        for (float[] s : snapshots) {
            double b = 0;
            for (int i = 0; i < d; i++) {
                b += (s[i] - origin[i]) * v[i];
            }
            if (Math.abs(b) > Math.abs(extreme)) {
                extreme = b;
            }
        }
        if (extreme < 0) {
            scale(v, -1);
        }
        return new Plane(origin, u, v, length, how);
    }

    /**
     * Grid limits that hold the projected path with a margin: a from −0.25 to 1.25 of the line's length
     * (wider if the path goes beyond), b symmetric, at least ±0.25 of it.
     *
     * @return {aMin, aMax, bMin, bMax}
     */
    public static double[] extent(Plane plane, List<double[]> path) {
        double aMin = -0.25 * plane.length();
        double aMax = 1.25 * plane.length();
        double bMax = 0.25 * plane.length();
        for (double[] p : path) {
            aMin = Math.min(aMin, p[0] - 0.1 * plane.length());
            aMax = Math.max(aMax, p[0] + 0.1 * plane.length());
            bMax = Math.max(bMax, 1.25 * Math.abs(p[1]));
        }
        return new double[] {aMin, aMax, -bMax, bMax};
    }

    /** The loss on an n × n grid over {@code extent} = {aMin, aMax, bMin, bMax}. */
    public static Grid grid(Plane plane, double[] extent, int n, LossFunction f, Progress progress) {
        if (n < 2) {
            throw new IllegalArgumentException("the grid needs at least 2 points per side, got " + n);
        }
        double[] a = linspace(extent[0], extent[1], n);
        double[] b = linspace(extent[2], extent[3], n);
        double[][] loss = new double[n][n];
        long done = 0;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                double l = f.loss(plane.at(a[i], b[j]));
                loss[j][i] = Double.isFinite(l) ? l : Double.NaN;
                progress.update(++done, (long) n * n);
            }
        }
        return new Grid(a, b, loss);
    }

    static double[] linspace(double from, double to, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = from + (to - from) * i / (n - 1);
        }
        return x;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    private static void scale(double[] x, double c) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= c;
        }
    }
}
