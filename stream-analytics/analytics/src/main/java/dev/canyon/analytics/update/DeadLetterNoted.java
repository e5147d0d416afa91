package dev.canyon.analytics.update;

/**
 * A record the live job could not use: its key (whatever the producer sent), the reason, where it
 * came from, and the processing time at which it was rejected (ms).
 */
public record DeadLetterNoted(String key, String reason, String topic, long offset, long processingTimeMs) implements Update {
    @Override
    public String run() {
        return key;
    }
}
