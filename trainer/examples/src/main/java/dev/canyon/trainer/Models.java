package dev.canyon.trainer;

import dev.canyon.trainer.data.FashionMnist;
import java.util.Locale;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The networks and optimizers {@code canyon train} offers, by name. */
public final class Models {
    /** Model names. */
    public static final java.util.List<String> MODELS = java.util.List.of("mlp", "cnn", "deep-linear-2", "deep-linear");
    /** Optimizer names. */
    public static final java.util.List<String> OPTIMIZERS = java.util.List.of("sgd", "momentum", "adam");

    private Models() {}

    /** The updater named {@code optimizer} with learning rate {@code lr} (momentum: 0.9). */
    public static IUpdater updater(String optimizer, double lr) {
        switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "sgd":
                return new Sgd(lr);
            case "momentum":
                return new Nesterovs(lr, 0.9);
            case "adam":
                return new Adam(lr);
            default:
                throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
        }
    }

    /**
     * The network named {@code model} for {@code inputs} → {@code outputs}:
     * <ul>
     *   <li>{@code mlp}: inputs → hidden (ReLU) → outputs (softmax);
     *   <li>{@code cnn}: a small 3-layer CNN for 28×28 images (conv 5×5×20, max-pool, conv 5×5×50,
     *       max-pool, dense 500 ReLU, softmax; 431,080 parameters), after seed 002's three-layer CNN;
     *   <li>{@code deep-linear-2}: 1 → 1 → 1, identity, no biases, MSE, float64 (L = (1 − w1·w2)² on
     *       the deep-linear-2 data);
     *   <li>{@code deep-linear}: inputs → inputs → inputs → outputs, identity, no biases, MSE, initial
     *       weights of scale 0.01 (Saxe et al.: plateaus, then sudden learning, mode by mode).
     * </ul>
     */
    public static MultiLayerNetwork network(String model, int inputs, int outputs, int hidden, IUpdater updater, long seed) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(seed).updater(updater);
        MultiLayerConfiguration conf;
        switch (model.toLowerCase(Locale.ROOT)) {
            case "mlp":
                conf = base.weightInit(WeightInit.XAVIER).list()
                        .layer(new DenseLayer.Builder().nIn(inputs).nOut(hidden).activation(Activation.RELU).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(outputs)
                                .activation(Activation.SOFTMAX).build())
                        .build();
                break;
            case "cnn":
                if (inputs != FashionMnist.PIXELS) {
                    throw new IllegalArgumentException("the cnn model takes 28x28 images (Fashion-MNIST), not " + inputs + " inputs");
                }
                conf = base.weightInit(WeightInit.XAVIER).list()
                        .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU).build())
                        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                        .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU).build())
                        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                        .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(outputs)
                                .activation(Activation.SOFTMAX).build())
                        .setInputType(InputType.convolutionalFlat(28, 28, 1))
                        .build();
                break;
            case "deep-linear-2":
                conf = base.dataType(DataType.DOUBLE).weightInit(WeightInit.UNIFORM).list()
                        .layer(new DenseLayer.Builder().nIn(1).nOut(1).hasBias(false).activation(Activation.IDENTITY).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(1).nOut(1).hasBias(false)
                                .activation(Activation.IDENTITY).build())
                        .build();
                break;
            case "deep-linear":
                conf = base.weightInit(new org.deeplearning4j.nn.weights.WeightInitDistribution(
                                new org.deeplearning4j.nn.conf.distribution.NormalDistribution(0, 0.01))).list()
                        .layer(new DenseLayer.Builder().nIn(inputs).nOut(inputs).hasBias(false).activation(Activation.IDENTITY).build())
                        .layer(new DenseLayer.Builder().nIn(inputs).nOut(inputs).hasBias(false).activation(Activation.IDENTITY).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(inputs).nOut(outputs).hasBias(false)
                                .activation(Activation.IDENTITY).build())
                        .build();
                break;
            default:
                throw new IllegalArgumentException("model must be one of " + MODELS + ", got '" + model + "'");
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
