package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Flink cluster's job restores when its JobManager starts it again (Checkpoints.restoreLatest). */
class CheckpointsTest {
    @TempDir
    Path dir;

    @Test
    void theNewestCompletedCheckpointOfAnyJobUnderTheConfiguredDirectoryIsRestored() throws Exception {
        Path older = checkpoint("job-a", 7, 1_000);
        Path newer = checkpoint("job-b", 3, 2_000);
        Files.createDirectories(dir.resolve("job-b/chk-4")); // half-written by a killed JVM: no _metadata
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
        assertThat(Checkpoints.latestToRestore(conf)).contains(newer);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toString());
        assertThat(Checkpoints.latestToRestore(conf)).as("a plain path").contains(newer);
        assertThat(older).exists();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        assertThat(Checkpoints.restoreLatest(env)).contains(newer);
        assertThat(env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo(newer.toUri().toString());
    }

    @Test
    void nothingIsRestoredWithAnExplicitRecoveryPathNoDirectoryOrNoCompletedCheckpoint() throws Exception {
        Configuration conf = new Configuration();
        assertThat(Checkpoints.latestToRestore(conf)).as("no directory configured").isEmpty();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
        assertThat(Checkpoints.latestToRestore(conf)).as("an empty directory").isEmpty();
        checkpoint("job-a", 1, 1_000);
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, "file:///savepoints/sp-1");
        assertThat(Checkpoints.latestToRestore(conf)).as("an explicit recovery path wins").isEmpty();
        Configuration remote = new Configuration();
        remote.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/checkpoints");
        assertThat(Checkpoints.latestToRestore(remote)).as("not a local file system").isEqualTo(Optional.empty());
    }

    private Path checkpoint(String job, int n, long modifiedMs) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + n));
        Path metadata = Files.writeString(chk.resolve("_metadata"), "x");
        Files.setLastModifiedTime(metadata, FileTime.fromMillis(modifiedMs));
        return chk;
    }
}
