package dev.canyon.contract;

/**
 * Kafka topic names of the wire contract. Every record is keyed by its run id so that one run's records stay in one partition, in order.
 */
public final class Topics {
    /**
     * A run's ordered record stream: {@link dev.canyon.contract.proto.Step} records, one per
     * optimization step, and the {@link dev.canyon.contract.proto.Probe} records taken after a step,
     * published just before that step's record. Probes share the topic (and the run's partition) so that every reader sees
     * them in the same place relative to the steps: the analytics that use a probe as evidence
     * then give the same result live, after a restore and in a replay.
     */
    public static final String STEPS = "canyon.steps";
    /** Run lifecycle records: {@link dev.canyon.contract.proto.RunStarted} and {@link dev.canyon.contract.proto.RunEnded}. */
    public static final String RUNS = "canyon.runs";
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
