package dev.canyon.analytics.update;

/**
 * The trainer JVM's resources at a step of its JVM schedule.
 *
 * @param heapUsedBytes heap in use
 * @param heapMaxBytes heap limit, 0 when the JVM sets none
 * @param offheapBytes native memory (JavaCPP's total when the trainer has a JavaCPP backend, else direct buffers)
 * @param gcTimeMs cumulative garbage-collection time since the JVM started
 * @param stepsPerS steps per second since the previous sample; NaN at a first sample without an interval
 */
public record TrainerJvmSampled(At at, long heapUsedBytes, long heapMaxBytes, long offheapBytes, long gcTimeMs, double stepsPerS)
        implements Update {

    @Override
    public String run() {
        return at.run();
    }
}
