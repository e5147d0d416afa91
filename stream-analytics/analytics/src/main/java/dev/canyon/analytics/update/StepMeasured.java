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
 * @param pathLength Σ‖Δθ_i‖ over the steps this analyzer accepted
 * @param displacement ‖θ_t − θ_0‖
 * @param distanceFromOrigin ‖θ_t‖
 */
public record StepMeasured(At at, double loss, double learningRate, int batchSize, int epoch, long examplesSeen,
        TelemetryHealth health, double gradNorm, double stepLength, double pathLength, double displacement,
        double distanceFromOrigin) implements Update {

    /** The trainer's delivery counters (records sent, spilled to its journal, re-sent, dropped). */
    public record TelemetryHealth(long sent, long spilled, long resent, long dropped) {}

    @Override
    public String run() {
        return at.run();
    }

    /** displacement / path length, at most 1 (1 before the first move). */
    public double straightness() {
        return pathLength == 0 ? 1 : Math.min(1, displacement / pathLength);
    }
}
