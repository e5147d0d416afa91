package dev.canyon.trainer.probe;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Ground truth: the 2-parameter deep linear model L(w1, w2) = (1 − w1·w2)² as a real DL4J network
 * (1 → 1 → 1, identity activations, no biases, MSE, input 1, target 1, float64). Parameters are
 * ordered (w1, w2). Gradient and Hessian in closed form.
 */
public final class DeepLinear {
    private DeepLinear() {}

    public static MultiLayerNetwork network(double learningRate) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .updater(new Sgd(learningRate))
                .weightInit(WeightInit.ONES)
                .list()
                .layer(new DenseLayer.Builder().nIn(1).nOut(1).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(1).nOut(1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The single example x = 1, y = 1. */
    public static DataSet example() {
        return new DataSet(Nd4j.ones(DataType.DOUBLE, 1, 1), Nd4j.ones(DataType.DOUBLE, 1, 1));
    }

    public static double loss(double[] w) {
        double r = 1 - w[0] * w[1];
        return r * r;
    }

    public static double[] gradient(double[] w) {
        double r = 1 - w[0] * w[1];
        return new double[] {-2 * w[1] * r, -2 * w[0] * r};
    }

    public static double[][] hessian(double[] w) {
        double off = 4 * w[0] * w[1] - 2;
        return new double[][] {{2 * w[1] * w[1], off}, {off, 2 * w[0] * w[0]}};
    }

    /** {λmax, λmin} of a symmetric 2×2 matrix. */
    public static double[] eigenvalues(double[][] h) {
        double mean = (h[0][0] + h[1][1]) / 2;
        double r = Math.hypot((h[0][0] - h[1][1]) / 2, h[0][1]);
        return new double[] {mean + r, mean - r};
    }

    /** uᵀHu / ‖u‖². */
    public static double curvature(double[][] h, double[] u) {
        return (u[0] * (h[0][0] * u[0] + h[0][1] * u[1]) + u[1] * (h[1][0] * u[0] + h[1][1] * u[1])) / (u[0] * u[0] + u[1] * u[1]);
    }
}
