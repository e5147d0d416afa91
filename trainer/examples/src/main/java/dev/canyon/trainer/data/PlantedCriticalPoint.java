package dev.canyon.trainer.data;

import dev.canyon.kernels.linalg.Eigen;
import dev.canyon.trainer.probe.HessianProbe;
import dev.canyon.trainer.probe.NetworkOracle;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Regression data with a critical point planted at chosen weights (seed 004). For a network f(x; w)
 * and the mean squared error L(w) = (1/n) Σ (y_i − f(x_i; w))², choosing targets y = f(X; w*) + r
 * with r orthogonal to the columns of the Jacobian J = ∂f(X; w*)/∂w makes ∇L(w*) = −(2/n) Jᵀ r = 0:
 * w* is a critical point. Its Hessian is H = (2/n)(JᵀJ − Σ r_i ∇²f_i): with r = 0 it is (2/n)JᵀJ,
 * positive definite when J has full column rank, so w* is a strict minimum (of loss 0); scaling a
 * fixed r ⊥ range(J) by c makes H(c) = A − cB, and c is chosen so that λmin(H) = −{@code
 * negativeCurvature}·λmax(A): a saddle.
 *
 * <p>The network is {@link #network}: 2 → 6 tanh → 1 identity, float64, d = 25. Cost: n + 2d
 * gradient evaluations and a few dense 25×25 eigenvalue problems.
 */
public final class PlantedCriticalPoint {
    /** Inputs and hidden units of the planted network. */
    public static final int INPUTS = 2;
    public static final int HIDDEN = 6;

    /**
     * @param data the regression data (n × 2 → n × 1)
     * @param weights w*, the planted critical point
     * @param minEigenvalue λmin of the Hessian at w* (dense, from finite-difference Hessian-vector products)
     * @param maxEigenvalue λmax there
     * @param gradientNorm ‖∇L(w*)‖ (0 up to rounding)
     */
    public record Planted(TrainingData data, double[] weights, double minEigenvalue, double maxEigenvalue, double gradientNorm) {}

    private PlantedCriticalPoint() {}

    /** The planted network (float64) with {@code updater}'s learning rate; parameters are set by the caller. */
    public static MultiLayerNetwork network(org.nd4j.linalg.learning.config.IUpdater updater, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(HIDDEN).nOut(1).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A planted strict minimum. */
    public static Planted minimum(int n, long seed) {
        return plant(n, seed, 0);
    }

    /** A planted saddle whose most negative eigenvalue is −{@code negativeCurvature}·λmax(H at r = 0). */
    public static Planted saddle(int n, long seed, double negativeCurvature) {
        if (!(negativeCurvature > 0)) {
            throw new IllegalArgumentException("negative curvature fraction must be positive, got " + negativeCurvature);
        }
        return plant(n, seed, negativeCurvature);
    }

    private static Planted plant(int n, long seed, double negativeCurvature) {
        Random random = new Random(seed);
        MultiLayerNetwork net = network(new Sgd(0.1), seed);
        int d = (int) net.numParams();
        if (n <= d) {
            throw new IllegalArgumentException("need more examples than the " + d + " parameters, got " + n);
        }
        double[] w = new double[d];
        for (int i = 0; i < d; i++) {
            w[i] = random.nextGaussian();
        }
        net.params().assign(Nd4j.create(w).reshape(net.params().shape()));
        double[] x = new double[n * INPUTS];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextGaussian();
        }
        INDArray features = Nd4j.create(x, new long[] {n, INPUTS}, 'c');
        double[] f = net.output(features).toDoubleVector();

        // J: row i is ∇_w f(x_i; w*). With target f_i + 1, L_i = (1 − 0)²… ∇L_i = −2 ∇f_i.
        double[][] jac = new double[n][];
        for (int i = 0; i < n; i++) {
            INDArray xi = features.getRow(i, true).dup();
            INDArray yi = Nd4j.create(new double[] {f[i] + 1}, new long[] {1, 1});
            double[] g = new double[d];
            new NetworkOracle(net, new DataSet(xi, yi)).gradient(w, g);
            for (int k = 0; k < d; k++) {
                g[k] /= -2;
            }
            jac[i] = g;
        }
        // r0: a random vector projected onto the orthogonal complement of range(J), unit norm.
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = random.nextGaussian();
        }
        double[] r0 = orthogonalToColumns(jac, z, d);
        double scale = 0;
        for (double v : r0) {
            scale += v * v;
        }
        scale = Math.sqrt(scale);
        for (int i = 0; i < n; i++) {
            r0[i] /= scale;
        }

        double[][] a = hessian(net, features, f, r0, 0, w);
        double[] eigA = Eigen.of(a).values;
        double maxA = max(eigA);
        double c = 0;
        if (negativeCurvature > 0) {
            double[][] h1 = hessian(net, features, f, r0, 1, w);
            double[][] b = new double[d][d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    b[i][j] = a[i][j] - h1[i][j];
                }
            }
            double target = -negativeCurvature * maxA;
            // λmin(A − cB) is continuous and eventually decreasing in |c|; find the sign of c that
            // goes negative, then bisect for λmin = target.
            double sign = minEig(a, b, 1e3) < minEig(a, b, -1e3) ? 1 : -1;
            double hi = 1;
            while (minEig(a, b, sign * hi) > target) {
                hi *= 2;
                if (hi > 1e12) {
                    throw new IllegalStateException("could not plant a saddle (seed " + seed + ")");
                }
            }
            double lo = 0;
            for (int it = 0; it < 100; it++) {
                double mid = (lo + hi) / 2;
                if (minEig(a, b, sign * mid) > target) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            c = sign * hi;
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = f[i] + c * r0[i];
        }
        TrainingData data = new TrainingData(negativeCurvature > 0 ? "planted-saddle" : "planted-minimum", toFloat(x),
                toFloat(y), n, INPUTS, 1, false);
        // Verify on the final data: gradient at w* and the Hessian's extremes.
        NetworkOracle oracle = new NetworkOracle(net, new DataSet(features, Nd4j.create(y, new long[] {n, 1}, 'c')));
        double[] g = new double[d];
        oracle.gradient(w, g);
        double gn = 0;
        for (double v : g) {
            gn += v * v;
        }
        double[] eig = Eigen.of(new HessianProbe(oracle, 1e-6).dense(w)).values;
        return new Planted(data, w, min(eig), max(eig), Math.sqrt(gn));
    }

    /** Dense Hessian of L at w for targets f + c·r0 (symmetrized). */
    private static double[][] hessian(MultiLayerNetwork net, INDArray features, double[] f, double[] r0, double c, double[] w) {
        int n = f.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = f[i] + c * r0[i];
        }
        NetworkOracle oracle = new NetworkOracle(net, new DataSet(features, Nd4j.create(y, new long[] {n, 1}, 'c')));
        return new HessianProbe(oracle, 1e-6).dense(w);
    }

    private static double minEig(double[][] a, double[][] b, double c) {
        int d = a.length;
        double[][] h = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                h[i][j] = a[i][j] - c * b[i][j];
            }
        }
        return min(Eigen.of(h).values);
    }

    /** z minus its least-squares projection onto the columns of J (normal equations, Gaussian elimination). */
    private static double[] orthogonalToColumns(double[][] jac, double[] z, int d) {
        int n = z.length;
        double[][] m = new double[d][d + 1];
        for (int p = 0; p < d; p++) {
            for (int q = 0; q < d; q++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += jac[i][p] * jac[i][q];
                }
                m[p][q] = s + (p == q ? 1e-12 : 0);
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += jac[i][p] * z[i];
            }
            m[p][d] = s;
        }
        for (int col = 0; col < d; col++) {
            int pivot = col;
            for (int r = col + 1; r < d; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int r = 0; r < d; r++) {
                if (r != col) {
                    double factor = m[r][col] / m[col][col];
                    for (int k = col; k <= d; k++) {
                        m[r][k] -= factor * m[col][k];
                    }
                }
            }
        }
        double[] coef = new double[d];
        for (int p = 0; p < d; p++) {
            coef[p] = m[p][d] / m[p][p];
        }
        double[] r = z.clone();
        for (int i = 0; i < n; i++) {
            double proj = 0;
            for (int p = 0; p < d; p++) {
                proj += jac[i][p] * coef[p];
            }
            r[i] -= proj;
        }
        return r;
    }

    private static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
}
