package dev.canyon.trainer;

import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.PlantedCriticalPoint;
import dev.canyon.trainer.data.TrainingData;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The experiments of seed 002, each run published as its own run of one experiment (so all share
 * the experiment's sketch space): N runs from different initializations; N runs from one
 * initialization with different shuffles; or a parent run trained for K epochs and N clones of it
 * continuing with different shuffles.
 */
public final class Experiment {
    /** Datasets by name. */
    public static final List<String> DATASETS = List.of("fashion-mnist", "deep-linear-2", "deep-linear", "planted-saddle",
            "planted-minimum");

    /** The scale of the perturbation of w* that runs on a planted dataset start from. */
    static final double PLANTED_START_NOISE = 1e-3;

    /** What varies between the runs. */
    public enum Vary {
        /** Different initializations (and shuffles). */
        INIT,
        /** One initialization, different shuffles. */
        SHUFFLE
    }

    /**
     * @param dataset one of {@link #DATASETS}
     * @param model one of {@link Models#MODELS} (the synthetic datasets imply their model; the planted
     *     datasets use {@link PlantedCriticalPoint#network} started next to the planted w*)
     * @param optimizer one of {@link Models#OPTIMIZERS}
     * @param learningRate η
     * @param batchSize B
     * @param hidden hidden units of the MLP
     * @param steps steps per run (for clones: after the parent's epochs)
     * @param runs number of runs (or clones)
     * @param vary what differs between runs
     * @param cloneAfterEpochs K > 0: train a parent for K epochs, then clone it N times
     * @param seed base seed
     * @param fashionMnistDir Fashion-MNIST IDX folder
     * @param trainExamples at most this many Fashion-MNIST training images
     */
    public record Options(String dataset, String model, String optimizer, double learningRate, int batchSize, int hidden,
            long steps, int runs, Vary vary, int cloneAfterEpochs, long seed, Path fashionMnistDir, int trainExamples) {
        public Options {
            dataset = dataset.toLowerCase(Locale.ROOT);
            if (!DATASETS.contains(dataset)) {
                throw new IllegalArgumentException("dataset must be one of " + DATASETS + ", got '" + dataset + "'");
            }
            if (dataset.startsWith("deep-linear")) {
                model = dataset;
            }
            if (dataset.startsWith("planted")) {
                model = "planted";
            }
            if (!Models.MODELS.contains(model) && !model.equals("planted")) {
                throw new IllegalArgumentException("model must be one of " + Models.MODELS + ", got '" + model + "'");
            }
            if (dataset.equals("fashion-mnist") && (model.startsWith("deep-linear") || model.equals("planted"))) {
                throw new IllegalArgumentException("model " + model + " goes with its own dataset, not fashion-mnist");
            }
            Models.updater(optimizer, 0.1);
            requireAtLeast("steps", steps, 1);
            requireAtLeast("runs", runs, 1);
            requireAtLeast("batch size", batchSize, 1);
            requireAtLeast("hidden units", hidden, 1);
            requireAtLeast("clone-after epochs", cloneAfterEpochs, 0);
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
            }
        }

        /**
         * A builder with the defaults of {@code canyon train}: fashion-mnist, mlp, sgd, η = 0.05, B = 64,
         * 64 hidden units, 1,000 steps, one run varying the initialization, no clones, seed 42,
         * Fashion-MNIST from {@value FashionMnist#DEFAULT_DIR}, 60,000 training examples.
         */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding these options. */
        public Builder toBuilder() {
            return new Builder().dataset(dataset).model(model).optimizer(optimizer).learningRate(learningRate).batchSize(batchSize)
                    .hidden(hidden).steps(steps).runs(runs).vary(vary).cloneAfterEpochs(cloneAfterEpochs).seed(seed)
                    .fashionMnistDir(fashionMnistDir).trainExamples(trainExamples);
        }

        /** Builds {@link Options} (see its parameters); {@link #build()} validates. */
        public static final class Builder {
            private String dataset = "fashion-mnist";
            private String model = "mlp";
            private String optimizer = "sgd";
            private double learningRate = 0.05;
            private int batchSize = 64;
            private int hidden = 64;
            private long steps = 1000;
            private int runs = 1;
            private Vary vary = Vary.INIT;
            private int cloneAfterEpochs;
            private long seed = 42;
            private Path fashionMnistDir = Path.of(FashionMnist.DEFAULT_DIR);
            private int trainExamples = 60_000;

            private Builder() {}

            public Builder dataset(String name) {
                this.dataset = name;
                return this;
            }

            public Builder model(String name) {
                this.model = name;
                return this;
            }

            public Builder optimizer(String name) {
                this.optimizer = name;
                return this;
            }

            public Builder learningRate(double eta) {
                this.learningRate = eta;
                return this;
            }

            public Builder batchSize(int b) {
                this.batchSize = b;
                return this;
            }

            public Builder hidden(int units) {
                this.hidden = units;
                return this;
            }

            public Builder steps(long n) {
                this.steps = n;
                return this;
            }

            public Builder runs(int n) {
                this.runs = n;
                return this;
            }

            public Builder vary(Vary v) {
                this.vary = v;
                return this;
            }

            public Builder cloneAfterEpochs(int k) {
                this.cloneAfterEpochs = k;
                return this;
            }

            public Builder seed(long s) {
                this.seed = s;
                return this;
            }

            public Builder fashionMnistDir(Path dir) {
                this.fashionMnistDir = dir;
                return this;
            }

            public Builder trainExamples(int n) {
                this.trainExamples = n;
                return this;
            }

            public Options build() {
                return new Options(dataset, model, optimizer, learningRate, batchSize, hidden, steps, runs, vary, cloneAfterEpochs,
                        seed, fashionMnistDir, trainExamples);
            }
        }
    }

    private static void requireAtLeast(String what, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
    }

    /** One finished run. */
    public record RunResult(String runId, String role, long steps, long stepsPublished, double finalLoss, long parameters) {}

    /** Receives progress: the run's role and the steps it has done. */
    public interface Progress {
        void update(String role, long steps, long total);
    }

    private Experiment() {}

    /** Runs the experiment with telemetry to {@code telemetry} (its experiment id names the experiment). */
    public static List<RunResult> run(Options o, TelemetryConfig telemetry, Progress progress) {
        PlantedCriticalPoint.Planted planted = planted(o);
        TrainingData data = planted != null ? planted.data() : data(o);
        DataSet probeBatch = new Minibatches(data, 256, o.seed() + 7, dataType(o)).next();
        // Held-out examples for the linear path's validation curve (Fashion-MNIST's test split, when present).
        DataSet validationBatch = recipe(o).validationBatch(o.fashionMnistDir(), 256);
        List<RunResult> results = new ArrayList<>();
        if (o.cloneAfterEpochs() > 0) {
            MultiLayerNetwork parent = network(o, data, o.seed(), planted);
            long parentSteps = o.cloneAfterEpochs() * new Minibatches(data, o.batchSize(), o.seed()).stepsPerEpoch();
            results.add(train(o, parent, data, o.seed(), parentSteps, "parent", telemetry, probeBatch, validationBatch, progress));
            for (int i = 0; i < o.runs(); i++) {
                MultiLayerNetwork clone = parent.clone();
                results.add(train(o, clone, data, o.seed() + 1 + i, o.steps(), "clone-" + (i + 1), telemetry, probeBatch, validationBatch,
                        progress));
            }
            return results;
        }
        for (int i = 0; i < o.runs(); i++) {
            long init = o.vary() == Vary.INIT ? o.seed() + i : o.seed();
            results.add(train(o, network(o, data, init, planted), data, o.seed() + i, o.steps(), "run-" + (i + 1), telemetry, probeBatch,
                    validationBatch, progress));
        }
        return results;
    }

    private static RunResult train(Options o, MultiLayerNetwork net, TrainingData data, long shuffleSeed, long steps, String role,
            TelemetryConfig telemetry, DataSet probeBatch, DataSet validationBatch, Progress progress) {
        TelemetryListener listener = TelemetryListener.attach(net, telemetry.toBuilder().runId(null).build(),
                RunDescription.builder().model(o.model()).optimizer(o.optimizer()).dataset(data.name()).batchSize(o.batchSize())
                        .learningRate(o.learningRate()).seed(shuffleSeed).labels(labels(o, role)).build());
        if (telemetry.probes() != ProbePlan.OFF) {
            listener.setProbeBatches(probeBatch, validationBatch);
        }
        Minibatches batches = new Minibatches(data, o.batchSize(), shuffleSeed, dataType(o));
        try {
            listener.around(() -> {
                for (long s = 0; s < steps; s++) {
                    net.getLayerWiseConfigurations().setEpochCount(batches.epoch());
                    net.fit(batches.next());
                    progress.update(role, s + 1, steps);
                }
            });
        } finally {
            List<org.deeplearning4j.optimize.api.TrainingListener> others = new ArrayList<>(net.getListeners());
            others.remove(listener);
            net.setListeners(others);
        }
        return new RunResult(listener.runId(), role, listener.steps(), listener.sink().report().stepsAcknowledged(),
                listener.lastLoss(), net.numParams());
    }

    private static MultiLayerNetwork network(Options o, TrainingData data, long initSeed, PlantedCriticalPoint.Planted planted) {
        if (planted == null) {
            return Models.network(o.model(), data.inputs(), data.outputs(), o.hidden(),
                    Models.updater(o.optimizer(), o.learningRate()), initSeed);
        }
        // Start next to the planted critical point w*: w* plus seeded noise of scale PLANTED_START_NOISE.
        MultiLayerNetwork net = PlantedCriticalPoint.network(Models.updater(o.optimizer(), o.learningRate()), initSeed);
        java.util.Random r = new java.util.Random(initSeed);
        double[] w = planted.weights().clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += PLANTED_START_NOISE * r.nextGaussian();
        }
        net.params().assign(org.nd4j.linalg.factory.Nd4j.create(w).reshape(net.params().shape()));
        return net;
    }

    /** The label that names a run's role in its experiment: run-N, parent or clone-N. */
    public static final String LABEL_ROLE = "canyon.role";

    private static java.util.Map<String, String> labels(Options o, String role) {
        java.util.Map<String, String> labels = new java.util.LinkedHashMap<>(recipe(o).labels());
        labels.put(LABEL_ROLE, role);
        return labels;
    }

    /** How to rebuild a run's model and data (recorded with each run). */
    static ModelRecipe recipe(Options o) {
        return new ModelRecipe(o.model(), o.dataset(), o.model().equals("mlp") ? o.hidden() : 0, o.seed());
    }

    private static PlantedCriticalPoint.Planted planted(Options o) {
        return recipe(o).planted();
    }

    private static DataType dataType(Options o) {
        return recipe(o).dataType();
    }

    static TrainingData data(Options o) {
        return recipe(o).trainingData(o.fashionMnistDir(), o.trainExamples());
    }
}
