package dev.canyon.kernels;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;

/**
 * What every kernel's persisted state has in common (after datasketches' {@code toByteArray} /
 * {@code heapify}): the header, the kernel codes, and reading that fails with a {@link
 * StateFormatException} rather than anything else. Public only because the kernels live in several
 * packages; callers use the kernels' own {@code writeTo}/{@code readFrom}/{@code toByteArray}/{@code
 * heapify}.
 *
 * <p>Every state starts with a two-byte header:
 *
 * <table>
 *   <caption>Header</caption>
 *   <tr><th>bytes</th><th>field</th></tr>
 *   <tr><td>1</td><td>format version of this kernel's state (its {@code SERIAL_VERSION}; unsigned)</td></tr>
 *   <tr><td>1</td><td>kernel code (below), so that one kernel's state is never read as another's</td></tr>
 * </table>
 *
 * Numbers follow in {@link DataOutput}'s big-endian encodings; doubles and floats as their raw IEEE
 * bits, so a round trip is exact (NaN payloads included). A state read from bytes must use them
 * all: {@link #heapify} refuses trailing bytes.
 *
 * <p>Reading is safe against bad input: an array is allocated in chunks as its values arrive, so a
 * corrupt size cannot allocate more than about twice the bytes actually present; sizes that decide
 * an allocation up front (a PCA's row count, a window's capacity) are bounded, and each kernel
 * documents its bounds.
 */
public final class StateFormat {
    /** Kernel code of {@code DistanceTravelled} states. */
    public static final int DISTANCE_TRAVELLED = 1;
    /** Kernel code of {@code StallDetector} states. */
    public static final int STALL_DETECTOR = 2;
    /** Kernel code of {@code ObstacleIndicators} states. */
    public static final int OBSTACLE_INDICATORS = 3;
    /** Kernel code of {@code TrajectoryPca} states. */
    public static final int TRAJECTORY_PCA = 4;
    /** Kernel code of {@code RandomWalkControl} states. */
    public static final int RANDOM_WALK_CONTROL = 5;
    /** Kernel code of {@code CrossRunDistances} states. */
    public static final int CROSS_RUN_DISTANCES = 6;
    /** Code of the analytics' per-run state ({@code dev.canyon.analytics.run.RunAnalyzer}, which holds kernels' states). */
    public static final int RUN_ANALYZER = 7;

    private static final String[] NAMES = {null, "DistanceTravelled", "StallDetector", "ObstacleIndicators", "TrajectoryPca",
        "RandomWalkControl", "CrossRunDistances", "RunAnalyzer"};

    /** Values allocated at once before more data must arrive. */
    private static final int CHUNK = 1 << 12;

    private StateFormat() {}

    /** Writes one kernel's state into a byte array. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(DataOutput out) throws IOException;
    }

    /** Reads one kernel's state. */
    @FunctionalInterface
    public interface Reader<T> {
        T readFrom(DataInput in) throws IOException;
    }

    /** The bytes {@code writer} writes. */
    public static byte[] toByteArray(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.writeTo(out);
        } catch (IOException e) {
            // A ByteArrayOutputStream does not fail; only a kernel refusing its own state does.
            throw new IllegalStateException(e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** Reads a state of {@code kernel} from exactly {@code bytes}: trailing bytes are a format error. */
    public static <T> T heapify(byte[] bytes, String kernel, Reader<T> reader) throws StateFormatException {
        ByteArrayInputStream stream = new ByteArrayInputStream(bytes);
        T state;
        try {
            state = reader.readFrom(new DataInputStream(stream));
        } catch (StateFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new StateFormatException(kernel + " state cannot be read: " + e, e);
        }
        if (stream.available() > 0) {
            throw new StateFormatException(kernel + " state of " + bytes.length + " bytes has " + stream.available()
                    + " bytes after its end");
        }
        return state;
    }

    /**
     * Runs {@code body} on {@code in}, turning what means bad bytes into a {@link
     * StateFormatException} that names {@code kernel}: input that ends early, a malformed string, a
     * value the kernel's own validation refuses ({@link IllegalArgumentException}). Other I/O
     * failures of {@code in} pass through unchanged.
     */
    public static <T> T read(String kernel, DataInput in, Reader<T> body) throws IOException {
        try {
            return body.readFrom(in);
        } catch (EOFException e) {
            throw new StateFormatException(kernel + " state is truncated: the input ended before the state did", e);
        } catch (UTFDataFormatException e) {
            throw new StateFormatException(kernel + " state holds a malformed string: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new StateFormatException(kernel + " state is inconsistent: " + e.getMessage(), e);
        }
    }

    /** Writes the header of a state of {@code kernelCode} in format {@code version}. */
    public static void writeHeader(DataOutput out, int version, int kernelCode) throws IOException {
        out.writeByte(version);
        out.writeByte(kernelCode);
    }

    /**
     * Reads a header and returns its version, which is one of {@code readable}; otherwise a {@link
     * StateFormatException} naming the version found and those readable, or the kernel found.
     */
    public static int readHeader(DataInput in, String kernel, int kernelCode, int... readable) throws IOException {
        int version = in.readUnsignedByte();
        boolean known = false;
        for (int v : readable) {
            known |= v == version;
        }
        if (!known) {
            throw StateFormatException.unknownVersion(kernel, version, readable);
        }
        int code = in.readUnsignedByte();
        if (code != kernelCode) {
            String found = code < NAMES.length && NAMES[code] != null ? "a " + NAMES[code] + " state" : "unknown kernel code " + code;
            throw new StateFormatException("expected a " + kernel + " state (kernel code " + kernelCode + "), found " + found);
        }
        return version;
    }

    /** Reads an int that must lie in [min, max]; {@code what} names it in the error. */
    public static int readInt(DataInput in, String kernel, String what, int min, int max) throws IOException {
        int v = in.readInt();
        if (v < min || v > max) {
            throw new StateFormatException(kernel + " state: " + what + " is " + v + ", expected " + min + " to " + max);
        }
        return v;
    }

    /** Reads a long that must lie in [min, max]; {@code what} names it in the error. */
    public static long readLong(DataInput in, String kernel, String what, long min, long max) throws IOException {
        long v = in.readLong();
        if (v < min || v > max) {
            throw new StateFormatException(kernel + " state: " + what + " is " + v + ", expected " + min + " to " + max);
        }
        return v;
    }

    /** Reads a boolean written as one byte 0 or 1. */
    public static boolean readBoolean(DataInput in, String kernel, String what) throws IOException {
        int b = in.readUnsignedByte();
        if (b > 1) {
            throw new StateFormatException(kernel + " state: " + what + " is byte " + b + ", expected 0 or 1");
        }
        return b == 1;
    }

    /** Writes a string of any length (UTF-8, its byte count first); {@link #readString} reads it. */
    public static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads a string {@link #writeString} wrote, of at most {@code maxBytes} bytes. */
    public static String readString(DataInput in, String kernel, String what, int maxBytes) throws IOException {
        int n = readInt(in, kernel, what + " length", 0, maxBytes);
        byte[] bytes = new byte[Math.min(n, CHUNK)];
        for (int i = 0; i < n; i += CHUNK) {
            int chunk = Math.min(CHUNK, n - i);
            if (i + chunk > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.min(n, Math.max(i + chunk, 2 * bytes.length)));
            }
            in.readFully(bytes, i, chunk);
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes the values of {@code a} (not its length). */
    public static void writeDoubles(DataOutput out, double[] a) throws IOException {
        for (double v : a) {
            out.writeLong(Double.doubleToRawLongBits(v));
        }
    }

    /** Writes the values of {@code a} (not its length). */
    public static void writeFloats(DataOutput out, float[] a) throws IOException {
        for (float v : a) {
            out.writeInt(Float.floatToRawIntBits(v));
        }
    }

    /** Reads {@code n} ≥ 0 doubles, allocating as they arrive. */
    public static double[] readDoubles(DataInput in, int n) throws IOException {
        double[] a = new double[Math.min(n, CHUNK)];
        for (int i = 0; i < n; i++) {
            if (i == a.length) {
                a = java.util.Arrays.copyOf(a, (int) Math.min(n, 2L * a.length));
            }
            a[i] = Double.longBitsToDouble(in.readLong());
        }
        return a;
    }

    /** Reads {@code n} ≥ 0 floats, allocating as they arrive. */
    public static float[] readFloats(DataInput in, int n) throws IOException {
        float[] a = new float[Math.min(n, CHUNK)];
        for (int i = 0; i < n; i++) {
            if (i == a.length) {
                a = java.util.Arrays.copyOf(a, (int) Math.min(n, 2L * a.length));
            }
            a[i] = Float.intBitsToFloat(in.readInt());
        }
        return a;
    }
}
