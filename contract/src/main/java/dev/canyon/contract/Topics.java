package dev.canyon.contract;

/**
 * Kafka topic names of the wire contract. One topic per record kind; every record is keyed by its
 * run id so that one run's records stay in one partition, in order.
 */
public final class Topics {
    /** {@link dev.canyon.contract.proto.Step} records, one per optimization step. */
    public static final String STEPS = "canyon.steps";
    /** Run lifecycle records: {@link dev.canyon.contract.proto.RunStarted} and {@link dev.canyon.contract.proto.RunEnded}. */
    public static final String RUNS = "canyon.runs";
    /** {@link dev.canyon.contract.proto.Probe} records: curvature, Hessian extremes, linear path, on a schedule. */
    public static final String PROBES = "canyon.probes";
    /** {@link dev.canyon.contract.proto.Snapshot} records: full weights θ_t on a schedule. */
    public static final String SNAPSHOTS = "canyon.snapshots";
    /** {@link dev.canyon.contract.proto.Alert} records: stall alerts opening and resolving. */
    public static final String ALERTS = "canyon.alerts";
    /** Records that could not be used, with the reason in header {@link DeadLetterHeaders#REASON}. */
    public static final String DEAD_LETTER = "canyon.deadletter";

    /**
     * Largest record Canyon topics accept (topic {@code max.message.bytes}, producer {@code
     * max.request.size}): a step with two FULL float32 vectors of d parameters needs about 8·d
     * bytes, so this admits models of up to about 8 million parameters in FULL mode.
     */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

    private Topics() {}
}
