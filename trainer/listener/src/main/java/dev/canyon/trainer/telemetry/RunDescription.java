package dev.canyon.trainer.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a run is, as announced in its run-started record. Build with {@link #builder()}: unset
 * names are {@code unknown}, numbers 0.
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
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(dataset, "dataset");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public RunDescription(String model, String optimizer, String dataset, int batchSize, double learningRate, long seed) {
        this(model, optimizer, dataset, batchSize, learningRate, seed, Map.of());
    }

    /** A description with nothing but placeholders, for listeners attached to arbitrary training. */
    public static RunDescription unknown() {
        return builder().build();
    }

    /** A builder with every field unknown (names {@code unknown}, numbers 0, no labels). */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link RunDescription}. */
    public static final class Builder {
        private String model = "unknown";
        private String optimizer = "unknown";
        private String dataset = "unknown";
        private int batchSize;
        private double learningRate;
        private long seed;
        private final Map<String, String> labels = new LinkedHashMap<>();

        private Builder() {}

        public Builder model(String name) {
            this.model = name;
            return this;
        }

        public Builder optimizer(String name) {
            this.optimizer = name;
            return this;
        }

        public Builder dataset(String name) {
            this.dataset = name;
            return this;
        }

        public Builder batchSize(int b) {
            this.batchSize = b;
            return this;
        }

        public Builder learningRate(double eta) {
            this.learningRate = eta;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Adds one label. */
        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** Adds these labels. */
        public Builder labels(Map<String, String> more) {
            labels.putAll(more);
            return this;
        }

        public RunDescription build() {
            return new RunDescription(model, optimizer, dataset, batchSize, learningRate, seed, labels);
        }
    }
}
