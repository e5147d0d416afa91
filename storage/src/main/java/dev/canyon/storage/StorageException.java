package dev.canyon.storage;

/** A failure to store or query; {@link #isRetriable()} says whether trying again may help. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    public StorageException(String message, boolean retriable) {
        super(message);
        this.retriable = retriable;
    }

    public StorageException(String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** Whether the failure is transient (server away or overloaded) rather than a rejected request. */
    public boolean isRetriable() {
        return retriable;
    }
}
