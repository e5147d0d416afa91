package dev.canyon.contract;

import com.google.protobuf.ByteString;
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

    /**
     * Checks that {@code v}, named {@code what} in messages, is a vector this reader can use: a
     * known encoding and exactly as many bytes as its dimension requires.
     */
    public static void validate(String what, TensorVector v) {
        if (v.getEncoding() != Encoding.FLOAT32) {
            throw new WireFormatException(what + " has encoding " + v.getEncoding()
                    + "; this reader supports FLOAT32 only");
        }
        long expected = (long) v.getDimension() * Float.BYTES;
        if (v.getData().size() != expected) {
            throw new WireFormatException(what + " has wrong length: dimension " + v.getDimension() + " needs "
                    + expected + " bytes of FLOAT32, " + v.getData().size() + " bytes arrived ("
                    + (v.getData().size() / (double) Float.BYTES) + " values)");
        }
    }

    /** The values of a validated FLOAT32 vector. */
    public static float[] toFloats(TensorVector v) {
        validate("vector", v);
        float[] out = new float[v.getDimension()];
        ByteString data = v.getData();
        data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
