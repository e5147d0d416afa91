package dev.canyon.storage;

/**
 * The InfluxDB timestamp of a step's points, derived from the record alone so that replaying a
 * topic overwrites points instead of duplicating them: the step's event time in milliseconds,
 * with the step number modulo 10^6 in the sub-millisecond nanoseconds. Two steps of one run that
 * share an event-time millisecond therefore still get distinct timestamps, and the timestamp
 * stays within one millisecond of the event time.
 */
public final class PointTime {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private PointTime() {}

    /** Nanoseconds since the epoch for the points of {@code step} stamped {@code eventTimeMs}. */
    public static long ofStep(long eventTimeMs, long step) {
        return Math.multiplyExact(eventTimeMs, NANOS_PER_MILLI) + Math.floorMod(step, NANOS_PER_MILLI);
    }
}
