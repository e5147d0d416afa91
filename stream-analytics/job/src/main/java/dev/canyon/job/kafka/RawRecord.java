package dev.canyon.job.kafka;

import java.nio.charset.StandardCharsets;

/**
 * A Kafka record as read, before decoding: decoding happens after keying by run so that a corrupt
 * record can still be routed, with its bytes intact, to the dead-letter topic. A Flink POJO.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    /** Record key (the run id for Canyon records), or null. */
    public byte[] key;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
    }

    /** The key as text, or "" when absent: the partitioning key of the analytics. */
    public String keyString() {
        return key == null ? "" : new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
