package dev.canyon.kernels.pca;

import java.util.SplittableRandom;

/** Seeded trajectories for the PCA tests: the positions a stream would sample, the origin first. */
final class Trajectories {
    private Trajectories() {}

    /** A unit vector in a uniformly random direction of R^k. */
    static double[] direction(SplittableRandom r, int k) {
        double[] d = new double[k];
        double s = 0;
        for (int j = 0; j < k; j++) {
            d[j] = r.nextGaussian();
            s += d[j] * d[j];
        }
        double f = 1 / Math.sqrt(s);
        for (int j = 0; j < k; j++) {
            d[j] *= f;
        }
        return d;
    }

    /**
     * A random walk in R^k: step t has length lengths[t] in a uniformly random direction; the
     * position after every {@code every}-th step is sampled, after the origin.
     */
    static float[][] walk(long seed, int k, double[] lengths, int every) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = lengths.length / every;
        float[][] out = new float[n + 1][];
        out[0] = new float[k];
        double[] pos = new double[k];
        for (int t = 0; t < n * every; t++) {
            double[] d = direction(r, k);
            for (int j = 0; j < k; j++) {
                pos[j] += lengths[t] * d[j];
            }
            if ((t + 1) % every == 0) {
                out[(t + 1) / every] = toFloats(pos);
            }
        }
        return out;
    }

    /** n sampled positions of a unit-step walk, every 10 steps. */
    static float[][] walk(long seed, int k, int samples) {
        double[] lengths = new double[10 * samples];
        java.util.Arrays.fill(lengths, 1);
        return walk(seed, k, lengths, 10);
    }

    /**
     * A trajectory in a random 2-D plane of R^k (a random walk in the plane if {@code walkInPlane},
     * else a widening spiral), plus white noise of {@code noise} times the in-plane variance spread
     * over all k directions; returns the points and the plane's orthonormal basis (2 × k).
     */
    static Planted plane(long seed, int k, int samples, boolean walkInPlane, double noise) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] u = direction(r, k);
        double[] v = direction(r, k);
        double uv = 0;
        for (int j = 0; j < k; j++) {
            uv += u[j] * v[j];
        }
        double norm = 0;
        for (int j = 0; j < k; j++) {
            v[j] -= uv * u[j];
            norm += v[j] * v[j];
        }
        for (int j = 0; j < k; j++) {
            v[j] /= Math.sqrt(norm);
        }
        double[][] xy = new double[samples][2];
        double a = 0;
        double b = 0;
        for (int t = 0; t < samples; t++) {
            if (walkInPlane) {
                for (int s = 0; s < 10; s++) {
                    a += r.nextGaussian();
                    b += r.nextGaussian();
                }
                xy[t][0] = a;
                xy[t][1] = b;
            } else {
                double time = t / (double) samples;
                xy[t][0] = 10 * (1 + time) * Math.cos(4 * time);
                xy[t][1] = 10 * (1 + 2 * time) * Math.sin(4 * time);
            }
        }
        double ma = 0;
        double mb = 0;
        for (double[] p : xy) {
            ma += p[0] / samples;
            mb += p[1] / samples;
        }
        double variance = 0;
        for (double[] p : xy) {
            variance += ((p[0] - ma) * (p[0] - ma) + (p[1] - mb) * (p[1] - mb)) / samples;
        }
        double sd = Math.sqrt(noise * variance / k);
        float[][] out = new float[samples][k];
        for (int t = 0; t < samples; t++) {
            for (int j = 0; j < k; j++) {
                out[t][j] = (float) (xy[t][0] * u[j] + xy[t][1] * v[j] + sd * r.nextGaussian());
            }
        }
        return new Planted(out, new double[][] {u, v});
    }

    /** Points and the plane they were planted in. */
    record Planted(float[][] points, double[][] plane) {}

    /**
     * SGD's stationary phase and the approach to it: an Ornstein-Uhlenbeck process on a quadratic
     * with curvatures spread from 0.01 to 2 (θ ← θ − 0.1 h θ + 0.05 ξ), from θ = 5, sampled every 10
     * steps: slow directions drift, stiff ones fluctuate fast, a graded spectrum.
     */
    static float[][] ornsteinUhlenbeck(long seed, int k, int samples) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[k];
        java.util.Arrays.fill(x, 5);
        float[][] out = new float[samples][];
        out[0] = toFloats(x);
        for (int t = 1; t < samples; t++) {
            for (int s = 0; s < 10; s++) {
                for (int j = 0; j < k; j++) {
                    double h = 0.01 + 1.99 * j / (k - 1);
                    x[j] += -0.1 * h * x[j] + 0.05 * r.nextGaussian();
                }
            }
            out[t] = toFloats(x);
        }
        return out;
    }

    static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            f[j] = (float) x[j];
        }
        return f;
    }

    /** Largest principal angle between the spans of a's and b's first two (orthonormal) rows, in degrees. */
    static double largestAngle(double[][] a, double[][] b) {
        double[][] m = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                m[i][j] = TrajectoryPca.dot(a[i], b[j]);
            }
        }
        // Singular values of the 2×2 M: the cosines of the principal angles; the smaller gives the largest angle.
        double p = m[0][0] * m[0][0] + m[0][1] * m[0][1] + m[1][0] * m[1][0] + m[1][1] * m[1][1];
        double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        double disc = Math.sqrt(Math.max(0, p * p / 4 - det * det));
        double smallest = Math.sqrt(Math.max(0, p / 2 - disc));
        return Math.toDegrees(Math.acos(Math.min(1, smallest)));
    }
}
