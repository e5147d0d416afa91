package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where journals live by default, and that they are private to their user: folders 0700, files 0600. */
class JournalFolderTest {

    @TempDir
    Path dir;

    @Test
    void defaultFolderIsPerUserStateThatSurvivesAReboot() {
        Path home = Path.of("/home/ada");
        assertThat(JournalFolder.defaultDir(Map.of(), home)).isEqualTo(Path.of("/home/ada/.local/state/canyon/journal"));
        assertThat(JournalFolder.defaultDir(Map.of("XDG_STATE_HOME", "/var/lib/ada"), home))
                .isEqualTo(Path.of("/var/lib/ada/canyon/journal"));
        // XDG: a relative XDG_STATE_HOME is invalid and ignored.
        assertThat(JournalFolder.defaultDir(Map.of("XDG_STATE_HOME", "state"), home))
                .isEqualTo(Path.of("/home/ada/.local/state/canyon/journal"));
        assertThat(JournalFolder.defaultDir(Map.of("XDG_STATE_HOME", "/x", "CANYON_JOURNAL_DIR", "/data/journal"), home))
                .isEqualTo(Path.of("/data/journal"));
        assertThat(JournalFolder.defaultDir(Map.of("CANYON_JOURNAL_DIR", "rel"), home))
                .isEqualTo(Path.of("rel").toAbsolutePath());
        // The builder's default is that folder, never java.io.tmpdir.
        assertThat(TelemetryConfig.builder().build().journalDir())
                .isEqualTo(JournalFolder.defaultDir(System.getenv(), Path.of(System.getProperty("user.home"))));
    }

    @Test
    void createdFoldersAre0700AndJournalFiles0600() throws Exception {
        assumeThat(JournalFolder.posix(dir)).isTrue();
        Path journalDir = dir.resolve("state/canyon/journal");
        JournalFolder.prepare(journalDir);
        for (Path p : new Path[] {dir.resolve("state"), dir.resolve("state/canyon"), journalDir}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rwx------");
        }
        try (SpillJournal j = SpillJournal.create(journalDir.resolve("r.journal"), "r", "localhost:1", 1 << 20)) {
            j.append(new SpillJournal.Entry("t", "r", new byte[] {1, 2, 3}));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j.file()))).isEqualTo("rw-------");
        }
        try (FileChannel c = JournalFolder.createPrivate(journalDir.resolve("x"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journalDir.resolve("x")))).isEqualTo("rw-------");
        }
    }

    @Test
    void anExistingFolderOpenToOthersIsTightened() throws Exception {
        assumeThat(JournalFolder.posix(dir)).isTrue();
        Path open = dir.resolve("shared");
        Files.createDirectory(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        JournalFolder.prepare(open);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).isEqualTo("rwx------");
        // Parents that existed before are not Canyon's: left as they are.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        JournalFolder.prepare(dir.resolve("mine"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("mine")))).isEqualTo("rwx------");
    }

    @Test
    void fileNamesAreSafeAndDistinct() {
        assertThat(SpillJournal.fileName("run-abc_1.2", 1)).isEqualTo("run-abc_1.2.journal");
        assertThat(SpillJournal.fileName("run-abc", 2)).isEqualTo("run-abc.2.journal");
        String a = SpillJournal.fileName("a/b", 1);
        String b = SpillJournal.fileName("a?b", 1);
        assertThat(a).startsWith("a_b-").endsWith(".journal").doesNotContain("/");
        assertThat(a).isNotEqualTo(b);
        assertThat(SpillJournal.fileName("..", 1)).doesNotStartWith(".");
    }
}
