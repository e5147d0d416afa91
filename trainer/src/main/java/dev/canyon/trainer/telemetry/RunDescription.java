package dev.canyon.trainer.telemetry;

/**
 * What a run is, as announced in its run-started record.
 *
 * @param model model name, e.g. {@code mlp-784-64-10}
 * @param optimizer optimizer name, e.g. {@code sgd}
 * @param dataset dataset name
 * @param batchSize nominal batch size
 * @param learningRate nominal learning rate
 * @param seed initialization / shuffling seed
 */
public record RunDescription(String model, String optimizer, String dataset, int batchSize, double learningRate, long seed) {
    /** A description with nothing but placeholders, for listeners attached to arbitrary training. */
    public static RunDescription unknown() {
        return new RunDescription("unknown", "unknown", "unknown", 0, 0, 0);
    }
}
