package dev.canyon.contract;

/**
 * Kafka header names on dead-letter records. The value and key of a dead letter are the original
 * record's bytes, cut to {@link #MAX_VALUE_BYTES} and {@link #MAX_KEY_BYTES} (so that a dead letter
 * of any size is written); these headers say why it was rejected, where it came from, and how large
 * it was when it was cut.
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

    /** Size in bytes of the original value, decimal (present when the value was cut). */
    public static final String ORIGINAL_SIZE = "canyon.original.size";
    /** Size in bytes of the original key, decimal (present when the key was cut). */
    public static final String ORIGINAL_KEY_SIZE = "canyon.original.key.size";
    /** Longest value a dead letter keeps: larger values are cut to this many bytes, their size kept in {@link #ORIGINAL_SIZE}. */
    public static final int MAX_VALUE_BYTES = 1 << 20;
    /** Longest key a dead letter keeps. */
    public static final int MAX_KEY_BYTES = 1 << 14;

    private DeadLetterHeaders() {}
}
