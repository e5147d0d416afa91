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
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a job started by Canyon itself ({@code canyon stack}, {@code canyon analytics}, {@code canyon
 * demo}) keeps its checkpoints, and how it continues from them: checkpoints are retained when the
 * job stops (cancelled, or its JVM killed), the latest {@value #RETAINED} are kept, and a job started
 * on the same folder restores the newest completed one (a {@code chk-N} folder with its {@code
 * _metadata}; one that a killed JVM left half-written has none and is skipped). So a restart
 * continues every run's analytics instead of starting them again from nothing.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

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

    /**
     * On a Flink cluster (application mode): makes the job about to be built on {@code env} restore
     * the newest completed checkpoint under the cluster's checkpoint directory ({@code
     * execution.checkpointing.dir}, formerly {@code state.checkpoints.dir}) when no {@code
     * execution.state-recovery.path} is given. A JobManager without high availability that crashes
     * and starts again runs the job's main method anew, as a new job; without this it would start
     * without state (from the group's committed offsets) and write wrong analytics for every run
     * in progress. Call it before {@code execute}: the executor reads the restore settings from the
     * environment's configuration when it submits the job. Returns the checkpoint restored, if any.
     * Only a local (or shared, mounted) file system directory is searched.
     */
    public static Optional<Path> restoreLatest(StreamExecutionEnvironment env) {
        Optional<Path> latest = latestToRestore(env.getConfiguration());
        latest.ifPresent(p -> {
            LOG.info("Continuing from the newest completed checkpoint {}", p);
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString());
            env.configure(restore);
        });
        return latest;
    }

    /**
     * The checkpoint {@link #restoreLatest} restores under {@code conf}: empty when a recovery path
     * is set already, when no checkpoint directory is configured or it is not on a local file
     * system, and when it holds no completed checkpoint.
     */
    public static Optional<Path> latestToRestore(ReadableConfig conf) {
        if (conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).filter(s -> !s.isBlank()).isPresent()) {
            return Optional.empty();
        }
        Optional<String> dir = conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).filter(s -> !s.isBlank());
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Path local;
        try {
            java.net.URI uri = java.net.URI.create(dir.get());
            if (uri.getScheme() == null) {
                local = Path.of(dir.get());
            } else if (uri.getScheme().equals("file")) {
                local = Path.of(uri);
            } else {
                LOG.warn("Checkpoint directory {} is not on a local file system; not searching it for a checkpoint to restore", dir.get());
                return Optional.empty();
            }
        } catch (IllegalArgumentException e) {
            local = Path.of(dir.get());
        }
        return latest(local);
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
