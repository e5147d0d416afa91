package dev.canyon.contract;

/**
 * A record that cannot be used: truncated, of an unknown version, failing its checksum, or
 * carrying values that break the contract (wrong vector length, non-finite loss, ...). The message
 * says what was expected and what arrived; it becomes the dead-letter reason.
 */
public class WireFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
