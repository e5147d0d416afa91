package dev.canyon.contract;

/** The kinds of record a frame can carry; the byte code is part of the wire format and never reused. */
public enum RecordKind {
    RUN_STARTED(1),
    STEP(2),
    RUN_ENDED(3),
    PROBE(4),
    SNAPSHOT(5),
    ALERT(6);

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    /** The byte written in the frame header. */
    public int code() {
        return code;
    }

    /** The kind for a frame's code byte; throws {@link WireFormatException} for an unknown code. */
    public static RecordKind ofCode(int code) {
        for (RecordKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        throw new WireFormatException("unknown record kind code " + code + " (known: 1 run-started, 2 step, 3 run-ended, 4 probe, 5 snapshot, 6 alert)");
    }
}
