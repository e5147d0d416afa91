package dev.canyon.contract;

import com.google.protobuf.UnsafeByteOperations;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.TensorVector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between float arrays and {@link TensorVector}s. FLOAT32 data is little-endian, so
 * both ends copy it in bulk (no per-element Protobuf calls, no boxing).
 */
public final class Vectors {
    private Vectors() {}

    /** A FULL float32 vector holding {@code values} (copied). */
    public static TensorVector full(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return TensorVector.newBuilder()
                .setEncoding(Encoding.FLOAT32)
                .setDimension(values.length)
                .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                .build();
    }

    /** A HALF vector: {@code values} rounded to bfloat16 (round to nearest even; NaN stays NaN). */
    public static TensorVector half(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putShort(toBfloat16(v));
        }
        return TensorVector.newBuilder()
                .setEncoding(Encoding.BFLOAT16)
                .setDimension(values.length)
                .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                .build();
    }

    /** A SKETCH vector: the k values of a CountSketch of a d-dimensional vector. */
    public static TensorVector sketch(float[] sketchValues, int dimension, long seed) {
        ByteBuffer buf = ByteBuffer.allocate(sketchValues.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(sketchValues);
        return TensorVector.newBuilder()
                .setEncoding(Encoding.SKETCH_FLOAT32)
                .setDimension(dimension)
                .setSketchSize(sketchValues.length)
                .setSketchSeed(seed)
                .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                .build();
    }

    /** bfloat16 bits of {@code v}, rounded to nearest even. */
    static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBfloat16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /**
     * Checks that {@code v}, named {@code what} in messages, is a vector this reader can use: a
     * known encoding and exactly as many bytes as its dimension (or sketch size) requires.
     */
    public static void validate(String what, TensorVector v) {
        long expected;
        switch (v.getEncoding()) {
            case FLOAT32 -> expected = (long) v.getDimension() * Float.BYTES;
            case BFLOAT16 -> expected = (long) v.getDimension() * 2;
            case SKETCH_FLOAT32 -> {
                if (v.getSketchSize() == 0) {
                    throw new WireFormatException(what + " is a sketch of size 0");
                }
                expected = (long) v.getSketchSize() * Float.BYTES;
            }
            default -> throw new WireFormatException(what + " has encoding " + v.getEncoding()
                    + "; this reader supports FLOAT32, BFLOAT16 and SKETCH_FLOAT32");
        }
        if (v.getDimension() == 0) {
            throw new WireFormatException(what + " has dimension 0");
        }
        if (v.getData().size() != expected) {
            // The message is built only here: validate runs for every vector of every step.
            String unit = switch (v.getEncoding()) {
                case FLOAT32 -> "dimension " + v.getDimension() + " needs " + expected + " bytes of FLOAT32";
                case BFLOAT16 -> "dimension " + v.getDimension() + " needs " + expected + " bytes of BFLOAT16";
                default -> "sketch size " + v.getSketchSize() + " needs " + expected + " bytes of FLOAT32";
            };
            throw new WireFormatException(what + " has wrong length: " + unit + ", " + v.getData().size() + " bytes arrived");
        }
    }

    /**
     * The values of a validated vector: d values for FLOAT32 and BFLOAT16 (widened), k values for a
     * sketch.
     */
    public static float[] toFloats(TensorVector v) {
        validate("vector", v);
        ByteBuffer data = v.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (v.getEncoding() == Encoding.BFLOAT16) {
            float[] out = new float[v.getDimension()];
            for (int i = 0; i < out.length; i++) {
                out[i] = fromBfloat16(data.getShort());
            }
            return out;
        }
        float[] out = new float[v.getEncoding() == Encoding.SKETCH_FLOAT32 ? v.getSketchSize() : v.getDimension()];
        data.asFloatBuffer().get(out);
        return out;
    }

    /** Whether {@code v} holds every coordinate exactly (FLOAT32). */
    public static boolean isExact(TensorVector v) {
        return v.getEncoding() == Encoding.FLOAT32;
    }
}
