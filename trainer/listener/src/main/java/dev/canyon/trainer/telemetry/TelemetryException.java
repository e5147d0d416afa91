package dev.canyon.trainer.telemetry;

/** Telemetry could not be delivered; says how many records and why. Never thrown into a training step. */
public class TelemetryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TelemetryException(String message, Throwable cause) {
        super(message, cause);
    }
}
