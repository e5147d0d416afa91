package dev.canyon.trainer.telemetry;

import java.util.Map;

/**
 * What a run is, as announced in its run-started record.
 *
 * @param model model name, e.g. {@code mlp-784-64-10}
 * @param optimizer optimizer name, e.g. {@code sgd}
 * @param dataset dataset name
 * @param batchSize nominal batch size
 * @param learningRate nominal learning rate
 * @param seed initialization / shuffling seed
 * @param labels free-form labels (Canyon's own trainers record how to rebuild the model, see
 *     {@code dev.canyon.trainer.ModelRecipe} in canyon-examples)
 */
public record RunDescription(String model, String optimizer, String dataset, int batchSize, double learningRate, long seed,
        Map<String, String> labels) {

    public RunDescription {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public RunDescription(String model, String optimizer, String dataset, int batchSize, double learningRate, long seed) {
        this(model, optimizer, dataset, batchSize, learningRate, seed, Map.of());
    }

    /** A description with nothing but placeholders, for listeners attached to arbitrary training. */
    public static RunDescription unknown() {
        return new RunDescription("unknown", "unknown", "unknown", 0, 0, 0);
    }
}
