package dev.canyon.trainer;

import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.data.Minibatches;
import dev.canyon.trainer.data.PlantedCriticalPoint;
import dev.canyon.trainer.data.TrainingData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How to rebuild a run's model and data after the fact, from its run-started record: Canyon's
 * trainers record it as labels ({@code canyon.recipe.*}), so that {@code canyon report} can
 * re-evaluate the loss at recorded weight snapshots (validation loss over steps, the 2-D subspace
 * view of seed 000).
 *
 * @param model mlp, cnn, deep-linear-2, deep-linear or planted
 * @param dataset fashion-mnist, deep-linear-2, deep-linear, planted-saddle or planted-minimum
 * @param hidden hidden units of the MLP (0 for the other models)
 * @param dataSeed the seed the synthetic data were generated from (deep-linear, planted-*)
 */
public record ModelRecipe(String model, String dataset, int hidden, long dataSeed) {
    public static final String LABEL_MODEL = "canyon.recipe.model";
    public static final String LABEL_DATASET = "canyon.recipe.dataset";
    public static final String LABEL_HIDDEN = "canyon.recipe.hidden";
    public static final String LABEL_DATA_SEED = "canyon.recipe.data_seed";

    /** Examples of a planted dataset, and the negative curvature of a planted saddle (λmin = −0.3 λmax). */
    static final int PLANTED_EXAMPLES = 200;
    static final double PLANTED_NEGATIVE_CURVATURE = 0.3;

    private static final Pattern MLP_NAME = Pattern.compile("mlp-784-(\\d+)-10");

    public ModelRecipe {
        model = model.toLowerCase(Locale.ROOT);
        dataset = dataset.toLowerCase(Locale.ROOT);
        if (!Models.MODELS.contains(model) && !model.equals("planted")) {
            throw new IllegalArgumentException("recipe model must be one of " + Models.MODELS + " or planted, got '" + model + "'");
        }
        if (!Experiment.DATASETS.contains(dataset)) {
            throw new IllegalArgumentException("recipe dataset must be one of " + Experiment.DATASETS + ", got '" + dataset + "'");
        }
        if (model.equals("mlp") && hidden < 1) {
            throw new IllegalArgumentException("an mlp recipe needs hidden units >= 1, got " + hidden);
        }
    }

    /** The labels that carry this recipe in a run-started record. */
    public Map<String, String> labels() {
        Map<String, String> l = new LinkedHashMap<>();
        l.put(LABEL_MODEL, model);
        l.put(LABEL_DATASET, dataset);
        l.put(LABEL_HIDDEN, Integer.toString(hidden));
        l.put(LABEL_DATA_SEED, Long.toString(dataSeed));
        return l;
    }

    /**
     * The recipe of a run from its run-started record's model name, dataset and labels; empty when the
     * run was not trained by Canyon's own trainers (then its model cannot be rebuilt).
     *
     * @throws IllegalArgumentException when the labels name a recipe but a value is malformed
     */
    public static Optional<ModelRecipe> of(String model, String dataset, Map<String, String> labels) {
        if (labels.containsKey(LABEL_MODEL)) {
            try {
                return Optional.of(new ModelRecipe(labels.get(LABEL_MODEL), labels.getOrDefault(LABEL_DATASET, dataset),
                        Integer.parseInt(labels.getOrDefault(LABEL_HIDDEN, "0")), Long.parseLong(labels.getOrDefault(LABEL_DATA_SEED, "0"))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed recipe labels " + labels + ": " + e.getMessage(), e);
            }
        }
        // Runs recorded before the recipe labels: the demo's MLP and the deep-linear-2 model need none.
        Matcher m = MLP_NAME.matcher(model);
        if (m.matches() && dataset.equals("fashion-mnist")) {
            return Optional.of(new ModelRecipe("mlp", dataset, Integer.parseInt(m.group(1)), 0));
        }
        if (model.equals("deep-linear-2") && dataset.equals("deep-linear-2")) {
            return Optional.of(new ModelRecipe(model, dataset, 0, 0));
        }
        return Optional.empty();
    }

    /** The data type the model computes in: float64 for deep-linear-2 and the planted network, float32 otherwise. */
    public DataType dataType() {
        return model.equals("deep-linear-2") || model.equals("planted") ? DataType.DOUBLE : DataType.FLOAT;
    }

    /** A freshly initialized network of the recipe's architecture (set its parameters before use). */
    public MultiLayerNetwork network() {
        if (model.equals("planted")) {
            return PlantedCriticalPoint.network(new Sgd(0.1), 0);
        }
        TrainingData shape = model.equals("deep-linear") ? TrainingData.deepLinear(16, 1, dataSeed) : null;
        int inputs = shape != null ? shape.inputs() : model.equals("deep-linear-2") ? 1 : FashionMnist.PIXELS;
        int outputs = shape != null ? shape.outputs() : model.equals("deep-linear-2") ? 1 : FashionMnist.CLASSES;
        return Models.network(model, inputs, outputs, Math.max(1, hidden), new Sgd(0.1), 0);
    }

    /** The planted critical point, for planted datasets (null otherwise). */
    public PlantedCriticalPoint.Planted planted() {
        switch (dataset) {
            case "planted-saddle":
                return PlantedCriticalPoint.saddle(PLANTED_EXAMPLES, dataSeed, PLANTED_NEGATIVE_CURVATURE);
            case "planted-minimum":
                return PlantedCriticalPoint.minimum(PLANTED_EXAMPLES, dataSeed);
            default:
                return null;
        }
    }

    /** The training data (Fashion-MNIST: at most {@code fashionExamples} images from {@code fashionMnistDir}). */
    public TrainingData trainingData(Path fashionMnistDir, int fashionExamples) {
        switch (dataset) {
            case "fashion-mnist":
                return TrainingData.of(FashionMnist.train(fashionMnistDir, fashionExamples));
            case "deep-linear-2":
                return TrainingData.deepLinear2();
            case "deep-linear":
                return TrainingData.deepLinear(16, 1024, dataSeed);
            default:
                return planted().data();
        }
    }

    /** Held-out data (Fashion-MNIST's test split, at most {@code examples} images), or null when the dataset has none. */
    public TrainingData validationData(Path fashionMnistDir, int examples) {
        if (!dataset.equals("fashion-mnist")) {
            return null;
        }
        try {
            return TrainingData.of(FashionMnist.test(fashionMnistDir, examples));
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /**
     * The first {@code examples} held-out examples as one (shuffled, seed 0) batch in the model's data type,
     * for the linear-path probe's validation curve; null when the dataset has none.
     */
    public DataSet validationBatch(Path fashionMnistDir, int examples) {
        TrainingData held = validationData(fashionMnistDir, examples);
        return held == null ? null : new Minibatches(held, held.n(), 0, dataType()).next();
    }

    /** All of {@code data} (at most {@code limit} examples, the first ones) as one batch in the model's data type. */
    public DataSet batch(TrainingData data, int limit) {
        int n = Math.min(limit, data.n());
        float[] x = java.util.Arrays.copyOf(data.features(), n * data.inputs());
        float[] y = java.util.Arrays.copyOf(data.targets(), n * data.outputs());
        DataType type = dataType();
        return new DataSet(Nd4j.create(x, new long[] {n, data.inputs()}, 'c').castTo(type),
                Nd4j.create(y, new long[] {n, data.outputs()}, 'c').castTo(type));
    }
}
