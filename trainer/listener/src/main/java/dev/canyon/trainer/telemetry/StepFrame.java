package dev.canyon.trainer.telemetry;

/**
 * One step's raw data: filled by the training thread (g in onGradientCalculation, θ and the rest in
 * iterationDone), then processed by the telemetry thread, then reused. Two arrays of d floats.
 */
final class StepFrame {
    /** g_t summed over the batch, as DL4J leaves it (the processing divides by B). */
    float[] g;
    /** θ_t. */
    float[] theta;
    long step;
    int epoch;
    long eventTimeMs;
    double loss;
    double learningRate;
    int batchSize;
    /** System.nanoTime() when the training thread finished the step (for steps per second). */
    long nanoTime;
    /** The sentinel that stops the telemetry thread. */
    final boolean stop;

    StepFrame(int d) {
        this(d, false);
    }

    private StepFrame(int d, boolean stop) {
        this.g = new float[d];
        this.theta = new float[d];
        this.stop = stop;
    }

    static StepFrame stopSignal() {
        return new StepFrame(0, true);
    }
}
