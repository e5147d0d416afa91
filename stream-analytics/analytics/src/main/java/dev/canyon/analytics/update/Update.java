package dev.canyon.analytics.update;

/**
 * What the stream's analytics produce, as typed values (STYLE.md 20: analysis returns typed results;
 * one adapter, {@code dev.canyon.storage.UpdatePoints}, maps them to InfluxDB points, and the report
 * and the tests read these values, never numbers parsed back out of points). A value that an
 * estimator could not produce is NaN in a {@code double} component, and the storage mapping leaves
 * that field out.
 */
public sealed interface Update permits StepMeasured, LayerMeasured, WindowIndicators, ObstacleDecision, PcaSnapshot, ProbeResult,
        AlertTransition, Position, CrossRunDistance, PipelineLag, DeadLetterNoted,
        LayerHistogramMeasured, TrainerJvmSampled {

    /** The run this update describes (for a dead letter: the record's key, whatever it is). */
    String run();
}
