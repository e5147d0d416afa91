package dev.canyon.analytics.update;

/**
 * Where and when an update belongs: a run of an experiment, at a step, with that step's event time
 * (ms since the epoch, from the trainer's record, never from processing time, so that a replay
 * reproduces it).
 */
public record At(String run, String experiment, long step, long eventTimeMs) {
    public At {
        java.util.Objects.requireNonNull(run, "run");
        java.util.Objects.requireNonNull(experiment, "experiment");
    }
}
