package dev.canyon.trainer;

import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.TrainingData;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.DeliveryReport;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Trains a one-hidden-layer MLP (784 → hidden → 10, ReLU, softmax, cross-entropy, plain SGD) on
 * Fashion-MNIST for a bounded number of steps, with Canyon's telemetry attached.
 */
public final class MlpTrainer {

    /**
     * What to train.
     *
     * @param dataDir folder with the Fashion-MNIST IDX files
     * @param steps optimization steps to run
     * @param batchSize minibatch size B
     * @param hidden hidden units
     * @param learningRate SGD learning rate η
     * @param seed initialization and shuffling seed
     * @param trainExamples at most this many training images are loaded (bounds start-up time)
     */
    public record Options(Path dataDir, long steps, int batchSize, int hidden, double learningRate, long seed,
            int trainExamples) {
        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (hidden < 1) {
                throw new IllegalArgumentException("hidden units must be >= 1, got " + hidden);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
            }
            if (trainExamples < batchSize) {
                throw new IllegalArgumentException("need at least one batch of training examples (" + batchSize
                        + "), got " + trainExamples);
            }
        }

        /** Defaults: 300 steps, batch 64, 64 hidden units, η = 0.05, seed 42, 60,000 examples. */
        public static Options defaults() {
            return builder().build();
        }

        /** A builder holding the {@link #defaults()}. */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding these options. */
        public Builder toBuilder() {
            return new Builder().dataDir(dataDir).steps(steps).batchSize(batchSize).hidden(hidden).learningRate(learningRate)
                    .seed(seed).trainExamples(trainExamples);
        }

        /** Builds {@link Options}; {@link #build()} validates. */
        public static final class Builder {
            private Path dataDir = Path.of(FashionMnist.DEFAULT_DIR);
            private long steps = 300;
            private int batchSize = 64;
            private int hidden = 64;
            private double learningRate = 0.05;
            private long seed = 42;
            private int trainExamples = 60_000;

            private Builder() {}

            /** Folder with the Fashion-MNIST IDX files. */
            public Builder dataDir(Path dir) {
                this.dataDir = dir;
                return this;
            }

            /** Optimization steps to run. */
            public Builder steps(long n) {
                this.steps = n;
                return this;
            }

            /** Minibatch size B. */
            public Builder batchSize(int b) {
                this.batchSize = b;
                return this;
            }

            /** Hidden units. */
            public Builder hidden(int units) {
                this.hidden = units;
                return this;
            }

            /** SGD learning rate η. */
            public Builder learningRate(double eta) {
                this.learningRate = eta;
                return this;
            }

            /** Initialization and shuffling seed. */
            public Builder seed(long s) {
                this.seed = s;
                return this;
            }

            /** At most this many training images are loaded. */
            public Builder trainExamples(int n) {
                this.trainExamples = n;
                return this;
            }

            public Options build() {
                return new Options(dataDir, steps, batchSize, hidden, learningRate, seed, trainExamples);
            }
        }

        /** Model name as it appears in run records. */
        public String modelName() {
            return "mlp-784-" + hidden + "-10";
        }
    }

    /**
     * What a finished run reports.
     *
     * @param runId run id
     * @param experimentId experiment id
     * @param steps steps trained
     * @param stepsPublished step records the broker acknowledged
     * @param recordsFailed records of any kind that were not delivered
     * @param finalLoss the loss of the last step's minibatch (noisy: one batch)
     * @param parameters number of parameters d
     * @param trainingLoss the training loss of the final weights: the mean loss over all {@code trainingLossExamples}
     *     loaded training examples, evaluated after training
     * @param trainingLossExamples the examples {@code trainingLoss} averages over (the loaded training set)
     */
    public record Result(String runId, String experimentId, long steps, long stepsPublished, long recordsFailed,
            double finalLoss, long parameters, double trainingLoss, int trainingLossExamples) {}

    /** Examples in the fixed batches the Hessian and linear-path probes evaluate. */
    static final int PROBE_BATCH = 256;

    private MlpTrainer() {}

    private static ModelRecipe recipe(Options options) {
        return new ModelRecipe("mlp", "fashion-mnist", options.hidden(), 0);
    }

    /** Builds the network, initialized from {@code seed}. */
    public static MultiLayerNetwork network(int hidden, double learningRate, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Sgd(learningRate))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FashionMnist.PIXELS).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(FashionMnist.CLASSES).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Trains with telemetry to {@code telemetry}; {@code extra} listeners (tests) see the same steps;
     * {@code progress} receives the step count after each step.
     */
    public static Result train(Options options, TelemetryConfig telemetry, LongConsumer progress, TrainingListener... extra) {
        FashionMnist.Split data = FashionMnist.train(options.dataDir(), options.trainExamples());
        MultiLayerNetwork net = network(options.hidden(), options.learningRate(), options.seed());
        RunDescription description = RunDescription.builder().model(options.modelName()).optimizer("sgd")
                .dataset("fashion-mnist").batchSize(options.batchSize()).learningRate(options.learningRate())
                .seed(options.seed()).labels(recipe(options).labels()).build();
        TelemetryListener listener = TelemetryListener.attach(net, telemetry, description);
        if (telemetry.probes() != ProbePlan.OFF) {
            listener.setProbeBatches(new Minibatches(TrainingData.of(data), PROBE_BATCH, options.seed() + 1).next(),
                    recipe(options).validationBatch(options.dataDir(), PROBE_BATCH));
        }
        net.addListeners(extra);
        listener.around(() -> fit(net, data, options.batchSize(), options.seed(), options.steps(), progress));
        DeliveryReport delivery = listener.sink().report();
        return new Result(listener.runId(), listener.experimentId(), listener.steps(),
                delivery.stepsAcknowledged(), delivery.dropped(), listener.lastLoss(), net.numParams(), trainingLoss(net, data),
                data.n());
    }

    /**
     * The mean loss of {@code net} over every example of {@code data} (in chunks of 5,000), as DL4J
     * scores a batch: cross-entropy averaged over examples, no regularization (the MLP has none).
     */
    public static double trainingLoss(MultiLayerNetwork net, FashionMnist.Split data) {
        TrainingData t = TrainingData.of(data);
        int chunk = 5_000;
        double sum = 0;
        for (int from = 0; from < t.n(); from += chunk) {
            int m = Math.min(chunk, t.n() - from);
            float[] x = java.util.Arrays.copyOfRange(t.features(), from * t.inputs(), (from + m) * t.inputs());
            float[] y = java.util.Arrays.copyOfRange(t.targets(), from * t.outputs(), (from + m) * t.outputs());
            org.nd4j.linalg.api.buffer.DataType type = net.params().dataType();
            org.nd4j.linalg.dataset.DataSet batch = new org.nd4j.linalg.dataset.DataSet(
                    org.nd4j.linalg.factory.Nd4j.create(x, new long[] {m, t.inputs()}, 'c').castTo(type),
                    org.nd4j.linalg.factory.Nd4j.create(y, new long[] {m, t.outputs()}, 'c').castTo(type));
            sum += net.score(batch) * m;
        }
        return sum / t.n();
    }

    /**
     * Runs {@code steps} SGD steps of {@code net} on seeded shuffled minibatches of {@code data}
     * (reshuffled every epoch); {@code progress} receives the step count after each step.
     */
    public static void fit(MultiLayerNetwork net, FashionMnist.Split data, int batchSize, long seed, long steps,
            LongConsumer progress) {
        Minibatches batches = new Minibatches(TrainingData.of(data), batchSize, seed);
        for (long s = 0; s < steps; s++) {
            net.getLayerWiseConfigurations().setEpochCount(batches.epoch());
            net.fit(batches.next());
            progress.accept(s + 1);
        }
    }
}
