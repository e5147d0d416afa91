package dev.canyon.trainer.probe;

import dev.canyon.kernels.linalg.Eigen;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Ground truth with a constant, known Hessian: least squares as a real DL4J network, one output layer
 * (nIn = 3, nOut = 2, identity activation, bias, MSE, float64) on N = 8 fixed examples. DL4J's MSE is
 * L = (1/(N·nOut)) Σ_i Σ_j (x_iᵀW_{:,j} + b_j − y_ij)², so with A = [X 1] (N × 4) the Hessian is block
 * diagonal, one block 2AᵀA/(N·nOut) per output j over (W_{:,j}, b_j). DL4J flattens W (nIn × nOut) in
 * column-major order and then b: W_{kj} is parameter j·nIn + k, b_j is parameter nIn·nOut + j. (The
 * layout and the normalization are checked against the probe's finite-difference Hessian in
 * StabilityKnownHessianTest.) d = 8.
 */
public final class LinearRegression {
    public static final int N = 8;
    public static final int N_IN = 3;
    public static final int N_OUT = 2;
    public static final int D = N_IN * N_OUT + N_OUT;

    private LinearRegression() {}

    /** The network with {@code updater}, weights from {@code seed}. */
    public static MultiLayerNetwork network(IUpdater updater, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(N_IN).nOut(N_OUT)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The features X (deterministic, not collinear with the bias column). */
    public static double[][] x() {
        double[][] x = new double[N][N_IN];
        for (int i = 0; i < N; i++) {
            x[i][0] = Math.sin(1.3 * i + 0.2);
            x[i][1] = 0.5 * Math.cos(0.7 * i) + 0.1 * i;
            x[i][2] = (i % 3) - 1 + 0.25 * Math.sin(2.1 * i);
        }
        return x;
    }

    /** The targets Y. */
    public static double[][] y() {
        double[][] y = new double[N][N_OUT];
        for (int i = 0; i < N; i++) {
            y[i][0] = Math.cos(0.9 * i);
            y[i][1] = 0.3 * i - 1;
        }
        return y;
    }

    /** All N examples as one batch. */
    public static DataSet data() {
        return new DataSet(Nd4j.create(x()), Nd4j.create(y()));
    }

    /** The augmented design row (x_i, 1). */
    private static double[] a(double[] xi) {
        return new double[] {xi[0], xi[1], xi[2], 1};
    }

    /** Flattened index of coordinate c of block j (c < nIn: W_{c,j}; c = nIn: b_j). */
    static int index(int j, int c) {
        return c < N_IN ? j * N_IN + c : N_IN * N_OUT + j;
    }

    /** The Hessian, d × d, in DL4J's flattened order. */
    public static double[][] hessian() {
        double[][] x = x();
        double[][] h = new double[D][D];
        double scale = 2.0 / (N * N_OUT);
        for (double[] xi : x) {
            double[] ai = a(xi);
            for (int j = 0; j < N_OUT; j++) {
                for (int c = 0; c <= N_IN; c++) {
                    for (int e = 0; e <= N_IN; e++) {
                        h[index(j, c)][index(j, e)] += scale * ai[c] * ai[e];
                    }
                }
            }
        }
        return h;
    }

    /** ∇L(θ) = Hθ − q, q = 2 Aᵀy_{:,j}/(N·nOut) per block; in closed form. */
    public static double[] gradient(double[] theta) {
        double[][] x = x();
        double[][] y = y();
        double[] g = new double[D];
        double scale = 2.0 / (N * N_OUT);
        for (int i = 0; i < N; i++) {
            double[] ai = a(x[i]);
            for (int j = 0; j < N_OUT; j++) {
                double r = -y[i][j];
                for (int c = 0; c <= N_IN; c++) {
                    r += ai[c] * theta[index(j, c)];
                }
                for (int c = 0; c <= N_IN; c++) {
                    g[index(j, c)] += scale * r * ai[c];
                }
            }
        }
        return g;
    }

    /** L(θ) in closed form. */
    public static double loss(double[] theta) {
        double[][] x = x();
        double[][] y = y();
        double s = 0;
        for (int i = 0; i < N; i++) {
            double[] ai = a(x[i]);
            for (int j = 0; j < N_OUT; j++) {
                double r = -y[i][j];
                for (int c = 0; c <= N_IN; c++) {
                    r += ai[c] * theta[index(j, c)];
                }
                s += r * r;
            }
        }
        return s / (N * N_OUT);
    }

    /** λmax of the Hessian. */
    public static double lambdaMax() {
        return Eigen.of(hessian()).values[0];
    }

    /** λmax(P⁻¹H) for a positive diagonal P, from the dense P^{-1/2} H P^{-1/2}. */
    public static double preconditionedLambdaMax(double[] p) {
        double[][] h = hessian();
        double[][] a = new double[D][D];
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                a[i][j] = h[i][j] / Math.sqrt(p[i] * p[j]);
            }
        }
        return Eigen.of(a).values[0];
    }

    /**
     * DL4J's Adam as a reference recurrence on this problem's closed-form gradients: θ ← θ − η P⁻¹ m with
     * P = (1 − β1^t)/√(1 − β2^t) · (√v + ε), t counted from 1.
     */
    public static final class AdamReference {
        private final double eta, b1, b2, eps;
        private final double[] m = new double[D];
        private final double[] v = new double[D];
        private final double[] p = new double[D];
        private int t;

        public AdamReference(double eta, double b1, double b2, double eps) {
            this.eta = eta;
            this.b1 = b1;
            this.b2 = b2;
            this.eps = eps;
        }

        /** One step from {@code theta} (updated in place) with the closed-form gradient there. */
        public void step(double[] theta) {
            t++;
            double[] g = gradient(theta);
            double scale = (1 - Math.pow(b1, t)) / Math.sqrt(1 - Math.pow(b2, t));
            for (int i = 0; i < D; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                p[i] = scale * (Math.sqrt(v[i]) + eps);
                theta[i] -= eta * m[i] / p[i];
            }
        }

        /** The diagonal preconditioner P of the last step. */
        public double[] preconditioner() {
            return p.clone();
        }
    }
}
