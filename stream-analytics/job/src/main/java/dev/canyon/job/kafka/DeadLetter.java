package dev.canyon.job.kafka;

/** A record that could not be used, with the reason; written to the dead-letter topic. A Flink POJO. */
public class DeadLetter {
    public RawRecord record;
    public String reason;

    public DeadLetter() {}

    public DeadLetter(RawRecord record, String reason) {
        this.record = record;
        this.reason = reason;
    }

    @Override
    public String toString() {
        return record + ": " + reason;
    }
}
