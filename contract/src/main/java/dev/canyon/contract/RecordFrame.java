package dev.canyon.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The envelope around every Canyon record: it makes truncation, corruption and unknown versions
 * detectable before any Protobuf parsing (Protobuf alone would happily parse a record cut at a
 * field boundary).
 *
 * <pre>
 * offset  size  field
 *      0     2  magic 0xCA 0x70
 *      2     1  frame version ({@link #VERSION})
 *      3     1  record kind ({@link RecordKind#code()})
 *      4     4  payload length n, big-endian
 *      8     n  payload: the Protobuf message of that kind
 *    8+n     4  CRC-32C of bytes [0, 8+n), big-endian
 * </pre>
 *
 * Cost: one pass over the payload for the checksum.
 */
public final class RecordFrame {
    /** Version of the frame and of the message schemas it carries. */
    public static final int VERSION = 1;
    static final byte MAGIC_0 = (byte) 0xCA;
    static final byte MAGIC_1 = (byte) 0x70;
    static final int HEADER_BYTES = 8;
    static final int TRAILER_BYTES = 4;

    private final RecordKind kind;
    private final byte[] buffer;
    private final int payloadOffset;
    private final int payloadLength;

    private RecordFrame(RecordKind kind, byte[] buffer, int payloadOffset, int payloadLength) {
        this.kind = kind;
        this.buffer = buffer;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
    }

    /** The kind of record in this frame. */
    public RecordKind kind() {
        return kind;
    }

    /** A read-only view of the payload bytes. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(buffer, payloadOffset, payloadLength).slice().asReadOnlyBuffer();
    }

    /**
     * Parses the payload with {@code parser} straight from the frame's bytes: what {@code
     * parser.parseFrom(payload())} gives, without first copying the payload out of a read-only view.
     */
    public <T> T parse(com.google.protobuf.Parser<T> parser) throws com.google.protobuf.InvalidProtocolBufferException {
        return parser.parseFrom(buffer, payloadOffset, payloadLength);
    }

    /** Frames {@code payload} as a record of {@code kind}. */
    public static byte[] encode(RecordKind kind, byte[] payload) {
        byte[] out = new byte[HEADER_BYTES + payload.length + TRAILER_BYTES];
        ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.BIG_ENDIAN);
        buf.put(MAGIC_0).put(MAGIC_1).put((byte) VERSION).put((byte) kind.code()).putInt(payload.length);
        buf.put(payload);
        CRC32C crc = new CRC32C();
        crc.update(out, 0, HEADER_BYTES + payload.length);
        buf.putInt((int) crc.getValue());
        return out;
    }

    /**
     * Checks and opens a frame. Throws {@link WireFormatException} naming the problem: null or
     * short input, bad magic, unknown version or kind, truncation, trailing bytes, checksum mismatch.
     */
    public static RecordFrame decode(byte[] bytes) {
        if (bytes == null) {
            throw new WireFormatException("record has no value (null)");
        }
        if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new WireFormatException("record truncated: " + bytes.length + " bytes, a frame needs at least "
                    + (HEADER_BYTES + TRAILER_BYTES));
        }
        if (bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1) {
            throw new WireFormatException(String.format(
                    "not a Canyon record: magic bytes 0x%02X 0x%02X, expected 0xCA 0x70", bytes[0] & 0xFF, bytes[1] & 0xFF));
        }
        int version = bytes[2] & 0xFF;
        if (version != VERSION) {
            throw new WireFormatException("unknown wire version " + version + " (this reader knows version " + VERSION + ")");
        }
        RecordKind kind = RecordKind.ofCode(bytes[3] & 0xFF);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        long declared = buf.getInt(4) & 0xFFFFFFFFL;
        long expectedTotal = HEADER_BYTES + declared + TRAILER_BYTES;
        if (bytes.length < expectedTotal) {
            throw new WireFormatException("record truncated: header declares a " + declared + "-byte payload ("
                    + expectedTotal + " bytes in all), " + bytes.length + " bytes arrived");
        }
        if (bytes.length > expectedTotal) {
            throw new WireFormatException("record has " + (bytes.length - expectedTotal)
                    + " trailing bytes after its " + declared + "-byte payload and checksum");
        }
        int payloadLength = (int) declared;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, HEADER_BYTES + payloadLength);
        int expectedCrc = buf.getInt(HEADER_BYTES + payloadLength);
        if ((int) crc.getValue() != expectedCrc) {
            throw new WireFormatException(String.format("record checksum mismatch: computed CRC-32C %08x, frame says %08x",
                    (int) crc.getValue(), expectedCrc));
        }
        return new RecordFrame(kind, bytes, HEADER_BYTES, payloadLength);
    }
}
