package dev.canyon.analytics.update;

/**
 * ‖θ_run − θ_other‖ at an aligned step of an experiment, with each run's event time at that step
 * (stored once per direction).
 */
public record CrossRunDistance(String experiment, String run, String other, long step, long runEventTimeMs,
        long otherEventTimeMs, double distance) implements Update {

    /** The distance the cross-run kernel found for a pair of runs of {@code experiment}. */
    public static CrossRunDistance of(String experiment, dev.canyon.kernels.crossrun.CrossRunDistances.Pair pair) {
        return new CrossRunDistance(experiment, pair.run(), pair.other(), pair.step(), pair.runEventTimeMs(), pair.otherEventTimeMs(),
                pair.distance());
    }
}
