package dev.canyon.contract;

import dev.canyon.contract.proto.Encoding;
import java.io.Serializable;

/**
 * How a run ships its gradient and weight-delta vectors: {@code full} (float32, 4·d bytes),
 * {@code half} (bfloat16, 2·d bytes, about 3 significant digits) or {@code sketch:k} (a seeded
 * CountSketch to k float32 values, 4·k bytes). Chosen per run.
 *
 * @param encoding the wire encoding
 * @param sketchSize k for sketches, 0 otherwise
 */
public record VectorRepresentation(Encoding encoding, int sketchSize) implements Serializable {
    /** Default sketch size (DESIGN.md: k = 1024 keeps pairwise distances within a few percent). */
    public static final int DEFAULT_SKETCH_SIZE = 1024;

    public static final VectorRepresentation FULL = new VectorRepresentation(Encoding.FLOAT32, 0);
    public static final VectorRepresentation HALF = new VectorRepresentation(Encoding.BFLOAT16, 0);

    public VectorRepresentation {
        if (encoding == Encoding.SKETCH_FLOAT32) {
            if (sketchSize < 1) {
                throw new IllegalArgumentException("a sketch needs k >= 1, got " + sketchSize);
            }
        } else if (encoding == Encoding.FLOAT32 || encoding == Encoding.BFLOAT16) {
            if (sketchSize != 0) {
                throw new IllegalArgumentException(encoding + " takes no sketch size");
            }
        } else {
            throw new IllegalArgumentException("unsupported vector encoding " + encoding);
        }
    }

    /** A sketch to k values. */
    public static VectorRepresentation sketch(int k) {
        return new VectorRepresentation(Encoding.SKETCH_FLOAT32, k);
    }

    /** Parses {@code full}, {@code half}, {@code sketch} or {@code sketch:K}. */
    public static VectorRepresentation parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("full")) {
            return FULL;
        }
        if (t.equals("half")) {
            return HALF;
        }
        if (t.equals("sketch")) {
            return sketch(DEFAULT_SKETCH_SIZE);
        }
        if (t.startsWith("sketch:")) {
            try {
                return sketch(Integer.parseInt(t.substring(7)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("sketch size in '" + text + "' is not a number");
            }
        }
        throw new IllegalArgumentException("vector representation must be full, half, sketch or sketch:K, got '" + text + "'");
    }

    @Override
    public String toString() {
        return switch (encoding) {
            case FLOAT32 -> "full";
            case BFLOAT16 -> "half";
            default -> "sketch:" + sketchSize;
        };
    }
}
