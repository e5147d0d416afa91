package dev.canyon.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;

/**
 * Where a job started by Canyon itself ({@code canyon stack}, {@code canyon analytics}, {@code canyon
 * demo}) keeps its checkpoints, and how it continues from them: checkpoints are retained when the
 * job stops (cancelled, or its JVM killed), the latest {@value #RETAINED} are kept, and a job started
 * on the same folder restores the newest completed one (a {@code chk-N} folder with its {@code
 * _metadata}; one that a killed JVM left half-written has none and is skipped). So a restart
 * continues every run's analytics instead of starting them again from nothing.
 */
public final class Checkpoints {
    /** Completed checkpoints kept. */
    public static final int RETAINED = 3;

    private Checkpoints() {}

    /**
     * Sets {@code conf} to checkpoint into {@code dir} and to restore the newest completed checkpoint
     * found there; returns it (empty when there is none, and the job starts without state).
     */
    public static Optional<Path> configure(Configuration conf, Path dir) {
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toAbsolutePath().toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED);
        Optional<Path> latest = latest(dir);
        latest.ifPresent(p -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString()));
        return latest;
    }

    /** The newest completed checkpoint under {@code dir} (of any job that checkpointed there), if any. */
    public static Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(dir, 3)) {
            return files.filter(p -> p.getFileName().toString().equals("_metadata"))
                    .filter(p -> p.getParent().getFileName().toString().startsWith("chk-"))
                    .max(Comparator.comparing(Checkpoints::modified))
                    .map(Path::getParent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
