package dev.canyon.cli;

import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.data.FashionMnist;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that train. */
final class TrainingOptions {
    @Option(names = "--steps", description = "Optimization steps to train (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    long steps;

    @Option(names = "--batch-size", description = "Minibatch size B (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int batchSize;

    @Option(names = "--hidden", description = "Hidden units of the MLP 784-H-10 (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int hidden;

    @Option(names = "--lr", description = "Learning rate η of the optimizer: plain SGD in canyon demo, --optimizer (sgd, "
            + "momentum or adam) in canyon train (default: ${DEFAULT-VALUE}).", defaultValue = "0.05")
    double learningRate;

    @Option(names = "--seed", description = "Random seed of the weight initialization and the minibatch shuffling "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    @Option(names = "--fashion-mnist-dir", description = "Folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}, "
            + "from Debian's dataset-fashion-mnist package).", defaultValue = FashionMnist.DEFAULT_DIR)
    Path dataDir;

    @Option(names = "--train-examples", description = "Load at most this many training images (default: ${DEFAULT-VALUE}).",
            defaultValue = "60000")
    int trainExamples;

    MlpTrainer.Options toOptions() {
        return MlpTrainer.Options.builder().dataDir(dataDir).steps(steps).batchSize(batchSize).hidden(hidden)
                .learningRate(learningRate).seed(seed).trainExamples(trainExamples).build();
    }
}
