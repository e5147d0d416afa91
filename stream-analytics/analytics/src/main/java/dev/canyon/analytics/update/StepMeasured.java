package dev.canyon.analytics.update;

/**
 * One accepted step: what the trainer reported and the distances after it.
 *
 * @param loss minibatch loss L_t
 * @param learningRate η
 * @param batchSize B
 * @param epoch epoch of the step
 * @param examplesSeen examples seen up to this step
 * @param health the trainer's delivery counters at this step
 * @param gradNorm ‖g_t‖ (from the FULL vector when the run ships it, else the trainer's scalar)
 * @param stepLength ‖Δθ_t‖
 * @param pathLength Σ‖Δθ_i‖ since step 1; NaN for a run the analytics met under way
 * @param displacement ‖θ_t − θ_0‖
 * @param distanceFromOrigin ‖θ_t‖
 * @param analysedFromStep 0 when the analytics saw the run from its step 1, else the first step they saw
 *     (they met the run under way: a new consumer group, a lost checkpoint, deleted early records)
 */
public record StepMeasured(At at, double loss, double learningRate, int batchSize, int epoch, long examplesSeen,
        TelemetryHealth health, double gradNorm, double stepLength, double pathLength, double displacement,
        double distanceFromOrigin, long analysedFromStep) implements Update {

    /** The trainer's delivery counters (records sent, spilled to its journal, re-sent, dropped). */
    public record TelemetryHealth(long sent, long spilled, long resent, long dropped) {}

    @Override
    public String run() {
        return at.run();
    }

    /** displacement / path length, at most 1 (1 before the first move; NaN when the path length is unknown). */
    public double straightness() {
        return Double.isNaN(pathLength) ? Double.NaN : pathLength == 0 ? 1 : Math.min(1, displacement / pathLength);
    }
}
