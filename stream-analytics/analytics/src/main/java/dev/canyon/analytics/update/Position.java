package dev.canyon.analytics.update;

/** θ_t at an aligned step, in the run's PCA space, for cross-run distances (not stored itself). */
public record Position(At at, float[] theta) implements Update {
    @Override
    public String run() {
        return at.run();
    }
}
