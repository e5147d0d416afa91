package dev.canyon.analytics.update;

/**
 * ‖θ_run − θ_other‖ at an aligned step of an experiment, with each run's event time at that step
 * (stored once per direction).
 */
public record CrossRunDistance(String experiment, String run, String other, long step, long runEventTimeMs,
        long otherEventTimeMs, double distance) implements Update {}
