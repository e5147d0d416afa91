package dev.canyon.trainer.telemetry;

import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What the listener's tests train, without Canyon's example trainers or datasets: a one-hidden-layer
 * MLP ({@value #INPUTS} → hidden → {@value #CLASSES}, ReLU, softmax, cross-entropy, plain SGD) and
 * seeded synthetic minibatches labelled by a fixed random linear teacher (so the loss can fall).
 */
final class SmallMlp {
    static final int INPUTS = 64;
    static final int CLASSES = 10;

    private SmallMlp() {}

    /** The network, initialized from {@code seed}. */
    static MultiLayerNetwork network(int hidden, double learningRate, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Sgd(learningRate))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Parameters of {@link #network}: (inputs + 1)·hidden + (hidden + 1)·classes. */
    static long parameters(int hidden) {
        return (INPUTS + 1L) * hidden + (hidden + 1L) * CLASSES;
    }

    /** Seeded minibatches of B examples: features uniform in [0, 1), label argmax of a fixed teacher's scores. */
    static final class Batches {
        private final Random random;
        private final float[][] teacher = new float[CLASSES][INPUTS];
        private final int batchSize;

        Batches(int batchSize, long seed) {
            this.batchSize = batchSize;
            this.random = new Random(seed);
            Random t = new Random(1234);
            for (float[] row : teacher) {
                for (int i = 0; i < INPUTS; i++) {
                    row[i] = (float) t.nextGaussian();
                }
            }
        }

        DataSet next() {
            float[] x = new float[batchSize * INPUTS];
            float[] y = new float[batchSize * CLASSES];
            for (int b = 0; b < batchSize; b++) {
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < INPUTS; i++) {
                    x[b * INPUTS + i] = random.nextFloat();
                }
                for (int c = 0; c < CLASSES; c++) {
                    double s = 0;
                    for (int i = 0; i < INPUTS; i++) {
                        s += teacher[c][i] * x[b * INPUTS + i];
                    }
                    if (s > bestScore) {
                        bestScore = s;
                        best = c;
                    }
                }
                y[b * CLASSES + best] = 1;
            }
            return new DataSet(Nd4j.create(x, new long[] {batchSize, INPUTS}, 'c'),
                    Nd4j.create(y, new long[] {batchSize, CLASSES}, 'c'));
        }
    }

    /** Trains {@code steps} SGD steps on {@link Batches} with {@code seed}. */
    static void fit(MultiLayerNetwork net, int batchSize, long seed, long steps) {
        Batches batches = new Batches(batchSize, seed);
        for (long s = 0; s < steps; s++) {
            net.fit(batches.next());
        }
    }
}
