package dev.canyon.job.state;

import dev.canyon.analytics.run.RunAnalyzer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A run's analytics state in {@link RunAnalyzer}'s own versioned format. A restored analyzer comes
 * back with the default settings; the job hands it its own with {@link RunAnalyzer#adopt}.
 */
public final class RunAnalyzerSerializer extends VersionedStateSerializer<RunAnalyzer> {
    private static final long serialVersionUID = 1L;

    /** The one instance. */
    public static final RunAnalyzerSerializer INSTANCE = new RunAnalyzerSerializer();

    @Override
    public RunAnalyzer createInstance() {
        return new RunAnalyzer(dev.canyon.analytics.AnalyticsSettings.defaults());
    }

    @Override
    protected void write(RunAnalyzer value, DataOutputView out) throws IOException {
        value.writeTo(out);
    }

    @Override
    protected RunAnalyzer read(DataInputView in) throws IOException {
        return RunAnalyzer.readFrom(in);
    }

    @Override
    public TypeSerializerSnapshot<RunAnalyzer> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Flink's record of this serializer in a checkpoint: no configuration (each value carries its format version). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RunAnalyzer> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
