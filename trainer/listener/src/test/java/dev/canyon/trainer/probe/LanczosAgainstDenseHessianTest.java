package dev.canyon.trainer.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.kernels.linalg.Eigen;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * On a small float64 tanh network (a ComputationGraph, d = 195), the probe's Lanczos extremes
 * against the eigenvalues of the dense Hessian assembled column by column from the same
 * Hessian-vector products; and the oracle's gradient against a finite difference of the loss.
 */
class LanczosAgainstDenseHessianTest {

    static NetworkOracle oracle() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(20).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 16, 20);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 16, 3);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new NetworkOracle(graph, new DataSet(x, y));
    }

    @Test
    void gradientIsTheMeanGradientOfTheLoss() {
        NetworkOracle o = oracle();
        double[] theta = o.parameters();
        double[] g = new double[theta.length];
        o.gradient(theta, g);
        java.util.Random r = new java.util.Random(1);
        double[] u = new double[theta.length];
        double[] plus = theta.clone();
        double[] minus = theta.clone();
        double eps = 1e-5;
        double analytic = 0;
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextGaussian();
            plus[i] += eps * u[i];
            minus[i] -= eps * u[i];
            analytic += g[i] * u[i];
        }
        double numeric = (o.loss(plus) - o.loss(minus)) / (2 * eps);
        // Central difference in float64: truncation O(eps^2), rounding ~1e-16/eps; relative 1e-6 is ample.
        assertThat(analytic).isCloseTo(numeric, within(1e-6 * Math.abs(numeric)));
    }

    @Test
    void lanczosExtremesMatchTheDenseHessian() {
        NetworkOracle o = oracle();
        double[] theta = o.parameters();
        int d = theta.length;
        HessianProbe probe = new HessianProbe(o, 1e-5);
        double[][] raw = new double[d][];
        double[] e = new double[d];
        for (int j = 0; j < d; j++) {
            java.util.Arrays.fill(e, 0);
            e[j] = 1;
            raw[j] = new double[d];
            probe.hessianVector(theta, e, raw[j]);
        }
        double asymmetry = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                asymmetry = Math.max(asymmetry, Math.abs(raw[j][i] - raw[i][j]));
            }
        }
        double[][] h = probe.dense(theta);
        double[] eig = Eigen.of(h).values;
        double max = java.util.Arrays.stream(eig).max().getAsDouble();
        double min = java.util.Arrays.stream(eig).min().getAsDouble();
        HessianProbe.Extremes lanczos = probe.extremes(theta, 60, 0, 3);
        System.out.printf("dense: max %.8f min %.8f (asymmetry %.2e); lanczos(60): max %.8f min %.8f%n", max, min, asymmetry,
                lanczos.maxEigenvalue(), lanczos.minEigenvalue());
        assertThat(min).as("a small random tanh network has negative curvature somewhere").isNegative();
        // Finite-difference HVPs are symmetric to ~1e-8 here; converged Ritz values agree to well within 1e-3.
        assertThat(lanczos.maxEigenvalue()).isCloseTo(max, within(1e-3 * Math.abs(max)));
        assertThat(lanczos.minEigenvalue()).isCloseTo(min, within(1e-3 * Math.abs(min)));
    }
}
