package dev.canyon.trainer.data;

import java.util.Random;

/**
 * A supervised dataset held in memory: n examples of {@code inputs} features and {@code outputs}
 * targets (one-hot labels for classification, real values for regression), row-major.
 *
 * @param name dataset name as it appears in run records
 * @param features n × inputs values
 * @param targets n × outputs values
 * @param n number of examples
 * @param inputs features per example
 * @param outputs targets per example
 * @param classification whether targets are one-hot classes (softmax + cross-entropy) or real values (MSE)
 */
public record TrainingData(String name, float[] features, float[] targets, int n, int inputs, int outputs,
        boolean classification) {

    public TrainingData {
        if (features.length != (long) n * inputs || targets.length != (long) n * outputs) {
            throw new IllegalArgumentException(name + ": expected " + n + "x" + inputs + " features and " + n + "x" + outputs
                    + " targets, got " + features.length + " and " + targets.length + " values");
        }
    }

    /** Fashion-MNIST with one-hot labels. */
    public static TrainingData of(FashionMnist.Split split) {
        float[] y = new float[split.n() * FashionMnist.CLASSES];
        for (int i = 0; i < split.n(); i++) {
            y[i * FashionMnist.CLASSES + split.labels()[i]] = 1f;
        }
        return new TrainingData("fashion-mnist", split.images(), y, split.n(), FashionMnist.PIXELS, FashionMnist.CLASSES, true);
    }

    /** The 2-parameter deep linear model's data: the single example x = 1, y = 1, so L(w1, w2) = (1 − w1·w2)². */
    public static TrainingData deepLinear2() {
        return new TrainingData("deep-linear-2", new float[] {1f}, new float[] {1f}, 1, 1, 1, false);
    }

    /**
     * Data for a deep linear network (Saxe, McClelland and Ganguli 2014): x ~ N(0, I) in {@code dim}
     * dimensions, y = M x with M = U diag(s) Vᵀ of random orthogonal U, V and singular values
     * s_i = 3·0.6^i, so that learning proceeds mode by mode with plateaus between.
     */
    public static TrainingData deepLinear(int dim, int n, long seed) {
        Random r = new Random(seed);
        double[][] u = randomOrthogonal(dim, r);
        double[][] v = randomOrthogonal(dim, r);
        double[][] m = new double[dim][dim];
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                double s = 0;
                for (int k = 0; k < dim; k++) {
                    s += u[i][k] * 3 * Math.pow(0.6, k) * v[j][k];
                }
                m[i][j] = s;
            }
        }
        float[] x = new float[n * dim];
        float[] y = new float[n * dim];
        for (int e = 0; e < n; e++) {
            for (int j = 0; j < dim; j++) {
                x[e * dim + j] = (float) r.nextGaussian();
            }
            for (int i = 0; i < dim; i++) {
                double s = 0;
                for (int j = 0; j < dim; j++) {
                    s += m[i][j] * x[e * dim + j];
                }
                y[e * dim + i] = (float) s;
            }
        }
        return new TrainingData("deep-linear", x, y, n, dim, dim, false);
    }

    private static double[][] randomOrthogonal(int dim, Random r) {
        double[][] q = new double[dim][dim];
        for (int c = 0; c < dim; c++) {
            for (int i = 0; i < dim; i++) {
                q[c][i] = r.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int i = 0; i < dim; i++) {
                    dot += q[c][i] * q[p][i];
                }
                for (int i = 0; i < dim; i++) {
                    q[c][i] -= dot * q[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                norm += q[c][i] * q[c][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < dim; i++) {
                q[c][i] /= norm;
            }
        }
        // columns of the result are the orthonormal vectors
        double[][] out = new double[dim][dim];
        for (int i = 0; i < dim; i++) {
            for (int c = 0; c < dim; c++) {
                out[i][c] = q[c][i];
            }
        }
        return out;
    }
}
