package dev.canyon.contract;

/**
 * Kafka header names on dead-letter records. The value and key of a dead letter are the original
 * record's bytes, untouched; these headers say why it was rejected and where it came from.
 */
public final class DeadLetterHeaders {
    /** Human-readable reason, UTF-8: what was expected and what arrived. */
    public static final String REASON = "canyon.reason";
    /** Topic the record was read from. */
    public static final String SOURCE_TOPIC = "canyon.source.topic";
    /** Partition the record was read from, decimal. */
    public static final String SOURCE_PARTITION = "canyon.source.partition";
    /** Offset of the record in its partition, decimal. */
    public static final String SOURCE_OFFSET = "canyon.source.offset";

    private DeadLetterHeaders() {}
}
