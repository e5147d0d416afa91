package dev.canyon.job.state;

import dev.canyon.kernels.crossrun.CrossRunDistances;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** An experiment's cross-run state in {@link CrossRunDistances}' own versioned format. */
public final class CrossRunDistancesSerializer extends VersionedStateSerializer<CrossRunDistances> {
    private static final long serialVersionUID = 1L;

    /** The one instance. */
    public static final CrossRunDistancesSerializer INSTANCE = new CrossRunDistancesSerializer();

    @Override
    public CrossRunDistances createInstance() {
        return new CrossRunDistances(dev.canyon.job.CrossRunFunction.KEPT_PER_RUN);
    }

    @Override
    protected void write(CrossRunDistances value, DataOutputView out) throws IOException {
        value.writeTo(out);
    }

    @Override
    protected CrossRunDistances read(DataInputView in) throws IOException {
        return CrossRunDistances.readFrom(in);
    }

    @Override
    public TypeSerializerSnapshot<CrossRunDistances> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Flink's record of this serializer in a checkpoint: no configuration (each value carries its format version). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<CrossRunDistances> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
