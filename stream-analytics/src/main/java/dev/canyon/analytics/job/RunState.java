package dev.canyon.analytics.job;

/** Per-run keyed state of the step analytics (a Flink POJO): last step seen and distance travelled. */
public class RunState {
    /** Last step number accepted; steps must increase. */
    public long lastStep;
    /** Steps accepted. */
    public long steps;
    /** Σ‖Δθ‖. */
    public double pathLength;
    /** d, the model's parameter count, fixed by the run's first step (0 before it). */
    public int dimension;
    /** Σ Δθ = θ_t − θ_0, kept only while the run ships exact (FULL) deltas. */
    public double[] displacementSum;

    public RunState() {}
}
