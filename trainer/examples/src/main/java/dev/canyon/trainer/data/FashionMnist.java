package dev.canyon.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST read from IDX files (plain or gzipped), as installed by Debian's {@code
 * dataset-fashion-mnist} package under {@value #DEFAULT_DIR}. Pixels are scaled to [0, 1].
 */
public final class FashionMnist {
    /** Where Debian's package puts the files. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    /** Number of pixels per image (28 × 28). */
    public static final int PIXELS = 28 * 28;
    /** Number of classes. */
    public static final int CLASSES = 10;

    private FashionMnist() {}

    /** A split: {@code n} images of {@link #PIXELS} floats, row-major, and their labels 0..9. */
    public record Split(float[] images, byte[] labels, int n) {
        /** Copies image {@code i} into {@code dst} at {@code offset}. */
        public void image(int i, float[] dst, int offset) {
            System.arraycopy(images, i * PIXELS, dst, offset, PIXELS);
        }
    }

    /** Loads the training split (60,000 images) from {@code dir}, keeping at most {@code limit} images. */
    public static Split train(Path dir, int limit) {
        return load(dir, "train", limit);
    }

    /** Loads the test split (10,000 images) from {@code dir}, keeping at most {@code limit} images. */
    public static Split test(Path dir, int limit) {
        return load(dir, "t10k", limit);
    }

    /**
     * Checks that {@code dir} holds the training split's files, so a long set-up can fail before it
     * starts; throws with the package to install when not.
     */
    public static void requirePresent(Path dir) {
        locate(dir, "train-images-idx3-ubyte");
        locate(dir, "train-labels-idx1-ubyte");
    }

    private static Split load(Path dir, String prefix, int limit) {
        Path images = locate(dir, prefix + "-images-idx3-ubyte");
        Path labels = locate(dir, prefix + "-labels-idx1-ubyte");
        try {
            byte[] labelBytes;
            int n;
            try (DataInputStream in = open(labels)) {
                expectMagic(in, 0x00000801, labels);
                int count = in.readInt();
                n = Math.min(count, limit);
                labelBytes = new byte[n];
                in.readFully(labelBytes);
            }
            float[] pixels = new float[n * PIXELS];
            try (DataInputStream in = open(images)) {
                expectMagic(in, 0x00000803, images);
                int count = in.readInt();
                int rows = in.readInt();
                int cols = in.readInt();
                if (rows * cols != PIXELS) {
                    throw new IllegalStateException(images + ": expected 28x28 images, found " + rows + "x" + cols);
                }
                if (count < n) {
                    throw new IllegalStateException(images + " holds " + count + " images but its labels file holds " + n);
                }
                byte[] buf = new byte[PIXELS];
                for (int i = 0; i < n; i++) {
                    in.readFully(buf);
                    for (int p = 0; p < PIXELS; p++) {
                        pixels[i * PIXELS + p] = (buf[p] & 0xFF) / 255f;
                    }
                }
            }
            return new Split(pixels, labelBytes, n);
        } catch (EOFException e) {
            throw new IllegalStateException("Fashion-MNIST file is truncated: " + images + " or " + labels, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Fashion-MNIST from " + dir, e);
        }
    }

    private static Path locate(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("Fashion-MNIST not found: no " + base + ".gz or " + base + " in " + dir
                + "; install Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist, which puts "
                + "the files in " + DEFAULT_DIR + "), or pass --fashion-mnist-dir pointing at a folder with the IDX files "
                + "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)");
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        return new DataInputStream(p.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
    }

    private static void expectMagic(DataInputStream in, int magic, Path p) throws IOException {
        int found = in.readInt();
        if (found != magic) {
            throw new IllegalStateException(String.format("%s is not an IDX file of the expected type: magic 0x%08x, expected 0x%08x",
                    p, found, magic));
        }
    }
}
