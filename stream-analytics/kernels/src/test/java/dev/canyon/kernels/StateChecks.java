package dev.canyon.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/** The checks every kernel's persisted state must pass, and its golden fixture. */
public final class StateChecks {
    /** Where the fixtures live in the source tree (tests run in the module's directory), one folder per format version. */
    static final Path GOLDEN_SOURCE = Path.of("src", "test", "resources", "golden");

    private StateChecks() {}

    /** Reads a whole state from bytes; the kernel's {@code heapify}. */
    @FunctionalInterface
    public interface Heapify {
        Object heapify(byte[] bytes) throws StateFormatException;
    }

    /**
     * The format checks on a valid state {@code bytes} of {@code kernel} (its first byte the version
     * 1, the only one the kernel reads): an unknown version is named; another kernel's code is refused; every proper prefix, a
     * trailing byte, and random corruption give a StateFormatException and nothing else.
     */
    public static void assertFormatChecks(String kernel, byte[] bytes, Heapify heapify) {
        assertFormatChecks(kernel, bytes, heapify, 1);
    }

    /**
     * The same for a kernel that reads the format versions {@code readable}: {@code bytes} is a
     * valid state of one of them, and the refusal of an unknown version names them all.
     */
    public static void assertFormatChecks(String kernel, byte[] bytes, Heapify heapify, int... readable) {
        assertThat(readable).as("format version byte").contains(bytes[0] & 0xFF);
        byte[] future = bytes.clone();
        future[0] = 7;
        assertThatThrownBy(() -> heapify.heapify(future)).isInstanceOf(StateFormatException.class)
                .hasMessage(StateFormatException.unknownVersion(kernel, 7, readable).getMessage());
        byte[] zero = bytes.clone();
        zero[0] = 0;
        assertThatThrownBy(() -> heapify.heapify(zero)).isInstanceOf(StateFormatException.class)
                .hasMessage(StateFormatException.unknownVersion(kernel, 0, readable).getMessage());
        byte[] other = bytes.clone();
        other[1] = (byte) (bytes[1] == StateFormat.DISTANCE_TRAVELLED ? StateFormat.TRAJECTORY_PCA : StateFormat.DISTANCE_TRAVELLED);
        assertThatThrownBy(() -> heapify.heapify(other)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("expected a " + kernel + " state");
        for (int n = 0; n < bytes.length; n++) {
            byte[] prefix = Arrays.copyOf(bytes, n);
            int length = n;
            assertThatThrownBy(() -> heapify.heapify(prefix)).as("prefix of %d of %d bytes", length, bytes.length)
                    .isInstanceOf(StateFormatException.class).hasMessageContaining(kernel);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> heapify.heapify(longer)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("1 bytes after its end");
        assertCorruptionIsAFormatErrorOrAState(bytes, heapify);
    }

    /**
     * Random byte changes beyond the header: each either still reads (a changed number is still a
     * number) or is a StateFormatException; never another exception or an error such as
     * OutOfMemoryError.
     */
    static void assertCorruptionIsAFormatErrorOrAState(byte[] bytes, Heapify heapify) {
        Random r = new Random(bytes.length);
        for (int trial = 0; trial < 2000 && bytes.length > 2; trial++) {
            byte[] bad = bytes.clone();
            int changes = 1 + r.nextInt(3);
            for (int c = 0; c < changes; c++) {
                int at = 2 + r.nextInt(bad.length - 2);
                bad[at] = r.nextInt(4) == 0 ? (byte) 0xFF : (byte) r.nextInt(256);
            }
            try {
                heapify.heapify(bad);
            } catch (StateFormatException expected) {
                // a clear refusal
            } catch (Throwable t) {
                fail("corrupt state gave " + t + " instead of a StateFormatException", t);
            }
        }
    }

    /**
     * The golden v1 fixture {@code file}: with {@code -Dcanyon.golden.write=true} (re)written from
     * {@code current}, else read from the test classpath. A later format must keep reading it.
     */
    public static byte[] golden(String file, byte[] current) {
        return golden(1, file, current);
    }

    /**
     * The golden fixture {@code file} of format {@code version} (folder golden/state-v{version}): with
     * {@code -Dcanyon.golden.write=true} (re)written from {@code current}, else read from the test
     * classpath. Only the test of the writer's current version may call this; tests of older
     * versions read theirs with {@link #goldenFixture}, which never writes.
     */
    public static byte[] golden(int version, String file, byte[] current) {
        if (Boolean.getBoolean("canyon.golden.write")) {
            try {
                Path dir = GOLDEN_SOURCE.resolve("state-v" + version);
                Files.createDirectories(dir);
                Files.write(dir.resolve(file), current);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return current;
        }
        return goldenFixture(version, file);
    }

    /** The golden fixture {@code file} of format {@code version}, read from the test classpath (never written). */
    public static byte[] goldenFixture(int version, String file) {
        String path = "golden/state-v" + version + "/" + file;
        try (InputStream in = StateChecks.class.getResourceAsStream("/" + path)) {
            assertThat(in).as("golden fixture %s (write it with -Dcanyon.golden.write=true)", path).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bit-for-bit equality of doubles, NaN included (isEqualTo on boxed doubles would also do, but says less). */
    public static void assertSameBits(double actual, double expected, String what) {
        assertThat(Double.doubleToRawLongBits(actual)).as("%s: %s against %s", what, actual, expected)
                .isEqualTo(Double.doubleToRawLongBits(expected));
    }

    /** Bit-for-bit equality of double arrays. */
    public static void assertSameBits(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertSameBits(actual[i], expected[i], what + "[" + i + "]");
        }
    }
}
