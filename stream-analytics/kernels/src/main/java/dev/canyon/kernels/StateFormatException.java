package dev.canyon.kernels;

import java.io.IOException;

/**
 * A kernel's persisted state cannot be read: a format version this Canyon does not know, bytes that
 * end too early, or values that no kernel could have written (a negative size, a size beyond the
 * kernel's documented bounds, a count that contradicts the data). The message names the kernel and
 * what was expected against what arrived, e.g. "TrajectoryPca state of format version 7; this
 * Canyon reads version 1".
 *
 * <p>Checked, and an {@link IOException}, because it arises where I/O does: {@code readFrom(DataInput)}
 * already throws IOException, so a caller that composes kernel states into a larger one (a Flink
 * state serializer, whose {@code deserialize} throws IOException) passes it on without wrapping.
 * It is never retriable: the same bytes fail the same way.
 */
public class StateFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public StateFormatException(String message) {
        super(message);
    }

    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A state of format version {@code found} of {@code kernel}, where this Canyon reads only the
     * versions {@code readable}.
     */
    public static StateFormatException unknownVersion(String kernel, int found, int... readable) {
        StringBuilder versions = new StringBuilder(readable.length == 1 ? "version " : "versions ");
        for (int i = 0; i < readable.length; i++) {
            if (i > 0) {
                versions.append(i == readable.length - 1 ? " and " : ", ");
            }
            versions.append(readable[i]);
        }
        return new StateFormatException(kernel + " state of format version " + found + "; this Canyon reads " + versions);
    }
}
