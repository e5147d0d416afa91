package dev.canyon.trainer.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's on-disk format: framing, acknowledged head, torn tails, versions, hand-over at close, locking. */
class SpillJournalTest {

    @TempDir
    Path dir;

    private static SpillJournal.Entry entry(int i) {
        byte[] v = new byte[10 + i];
        for (int k = 0; k < v.length; k++) {
            v[k] = (byte) (i * 31 + k);
        }
        return new SpillJournal.Entry(i % 2 == 0 ? "canyon.steps" : "canyon.runs", "run-é", v);
    }

    /** Reads every unread entry, taking each and acknowledging none. */
    private static List<SpillJournal.Entry> drain(SpillJournal j) throws IOException {
        List<SpillJournal.Entry> out = new ArrayList<>();
        for (SpillJournal.Read r = j.peek(); r != null; r = j.peek()) {
            out.add(r.entry());
            j.advance(r);
        }
        return out;
    }

    private static void assertEntries(List<SpillJournal.Entry> got, int from, int to) {
        assertThat(got).hasSize(to - from);
        for (int i = from; i < to; i++) {
            SpillJournal.Entry e = got.get(i - from);
            assertThat(e.topic()).isEqualTo(entry(i).topic());
            assertThat(e.key()).isEqualTo("run-é");
            assertThat(e.value()).isEqualTo(entry(i).value());
        }
    }

    @Test
    void recordsComeBackInOrderAndAcknowledgedOnesAreNotReadAgain() throws IOException {
        Path f = dir.resolve("run.journal");
        SpillJournal j = SpillJournal.create(f, "run-é", "localhost:9092", 1 << 20);
        for (int i = 0; i < 6; i++) {
            assertThat(j.append(entry(i))).isTrue();
        }
        List<SpillJournal.Read> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SpillJournal.Read r = j.peek();
            j.advance(r);
            taken.add(r);
        }
        // Acknowledged out of order: 1 and 0, then 3; 2 is not. The head stops before 2.
        j.settled(taken.get(1).end());
        j.settled(taken.get(0).end());
        j.settled(taken.get(3).end());
        j.close(List.of(taken.get(2).entry()));
        // The next process: the unacknowledged 2 first, then the unread 4 and 5.
        SpillJournal again = SpillJournal.open(f, 1 << 20);
        assertThat(again.header().runId()).isEqualTo("run-é");
        assertThat(again.header().bootstrapServers()).isEqualTo("localhost:9092");
        List<SpillJournal.Entry> got = drain(again);
        assertThat(got).hasSize(3);
        assertEntries(got.subList(0, 1), 2, 3);
        assertEntries(got.subList(1, 3), 4, 6);
        again.close(got);
        // A process that died after acknowledging 0 and 1 (head persisted) but before closing: 2.. are re-read.
        SpillJournal third = SpillJournal.open(f, 1 << 20);
        List<SpillJournal.Read> reads = new ArrayList<>();
        for (SpillJournal.Read r = third.peek(); r != null; r = third.peek()) {
            third.advance(r);
            reads.add(r);
        }
        third.settled(reads.get(0).end());
        abandon(third);
        SpillJournal fourth = SpillJournal.open(f, 1 << 20);
        List<SpillJournal.Entry> rest = drain(fourth);
        assertEntries(rest, 4, 6);
        // Closed without handing anything back: what was taken and not acknowledged stays.
        fourth.close(List.of());
        // Everything acknowledged: the file is cut back to its header, and deleted at close.
        SpillJournal fifth = SpillJournal.open(f, 1 << 20);
        for (SpillJournal.Read r = fifth.peek(); r != null; r = fifth.peek()) {
            fifth.advance(r);
            fifth.settled(r.end());
        }
        assertThat(Files.size(f)).isLessThan(100);
        fifth.close();
        assertThat(f).doesNotExist();
    }

    /** Simulates a process that ends without closing: releases the lock and the in-JVM claim only. */
    private static void abandon(SpillJournal j) throws IOException {
        try {
            var release = SpillJournal.class.getDeclaredMethod("release");
            release.setAccessible(true);
            release.invoke(j);
        } catch (ReflectiveOperationException e) {
            throw new IOException(e);
        }
    }

    @Test
    void aTornTailIsCutAndKeptAside() throws Exception {
        Path f = dir.resolve("torn.journal");
        SpillJournal j = SpillJournal.create(f, "run-é", "k:1", 1 << 20);
        for (int i = 0; i < 5; i++) {
            j.append(entry(i));
        }
        long whole = Files.size(f);
        abandon(j);
        // A process killed in the middle of writing record 5: its length and part of its payload.
        ByteBuffer partial = ByteBuffer.allocate(8 + 7).putInt(40).putInt(12345).put(new byte[7]);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(whole);
            raf.write(partial.array());
        }
        SpillJournal recovered = SpillJournal.open(f, 1 << 20);
        assertThat(recovered.corruptBytes()).isEqualTo(15);
        assertThat(recovered.corruptFile()).isEqualTo(dir.resolve("torn.journal.corrupt"));
        assertThat(Files.readAllBytes(recovered.corruptFile())).isEqualTo(partial.array());
        assertThat(Files.size(f)).isEqualTo(whole);
        assertEntries(drain(recovered), 0, 5);
        // Appending after recovery continues the good records.
        recovered.append(entry(5));
        recovered.close(List.of());
        SpillJournal more = SpillJournal.open(f, 1 << 20);
        assertThat(more.corruptBytes()).isZero();
        assertEntries(drain(more), 0, 6);
        abandon(more);
    }

    @Test
    void aDamagedRecordEndsWhatIsReadable() throws Exception {
        Path f = dir.resolve("flip.journal");
        SpillJournal j = SpillJournal.create(f, "r", "k:1", 1 << 20);
        List<Long> ends = new ArrayList<>();
        long start = Files.size(f);
        for (int i = 0; i < 4; i++) {
            j.append(entry(i));
            ends.add(Files.size(f));
        }
        abandon(j);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            long inThird = ends.get(1) + 12; // a payload byte of record 2
            raf.seek(inThird);
            int b = raf.read();
            raf.seek(inThird);
            raf.write(b ^ 0x40);
        }
        SpillJournal recovered = SpillJournal.open(f, 1 << 20);
        assertEntries(drain(recovered), 0, 2);
        assertThat(recovered.corruptBytes()).isEqualTo(ends.get(3) - ends.get(1));
        assertThat(start).isLessThan(ends.get(0));
        abandon(recovered);
    }

    @Test
    void otherVersionsAndFilesAreRefusedClearly() throws Exception {
        Path f = dir.resolve("v2.journal");
        SpillJournal j = SpillJournal.create(f, "r", "k:1", 1 << 20);
        j.append(entry(0));
        abandon(j);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(4);
            raf.writeInt(2);
        }
        assertThatThrownBy(() -> SpillJournal.open(f, 1 << 20)).isInstanceOf(SpillJournal.FormatException.class)
                .hasMessageContaining("format version 2").hasMessageContaining("reads version 1");
        assertThat(f).exists();
        Path old = dir.resolve("old.journal");
        Files.write(old, new byte[] {0, 0, 0, 12, 'c', 'a', 'n', 'y', 'o', 'n', '.', 's', 't', 'e', 'p', 's'});
        assertThatThrownBy(() -> SpillJournal.open(old, 1 << 20)).isInstanceOf(SpillJournal.FormatException.class)
                .hasMessageContaining("not a Canyon telemetry journal");
        assertThat(SpillJournal.inspect(old).problem()).contains("not a Canyon telemetry journal");
    }

    /** Another process neither re-sends nor reads as free a journal a live process holds; once released, it takes it. */
    @Test
    void aJournalHeldByAnotherProcessIsLeftToIt() throws Exception {
        Path f = dir.resolve("held.journal");
        SpillJournal j = SpillJournal.create(f, "r", "k:1", 1 << 20);
        j.append(entry(1));
        assertThat(otherProcess(f)).contains("inspect: in use by another running process")
                .contains("open: telemetry journal " + f + " is in use by another running process");
        j.close(List.of());
        assertThat(otherProcess(f)).contains("inspect: null").contains("open: taken, 1 records");
    }

    private static String otherProcess(Path journal) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), JournalLockChild.class.getName(), journal.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void aJournalIsOpenOnceAndBoundedInSize() throws Exception {
        Path f = dir.resolve("once.journal");
        SpillJournal j = SpillJournal.create(f, "r", "k:1", 100);
        assertThatThrownBy(() -> SpillJournal.open(f, 100)).isInstanceOf(SpillJournal.InUseException.class);
        assertThat(SpillJournal.inspect(f).problem()).isEqualTo("open in this process");
        assertThat(j.append(new SpillJournal.Entry("t", "r", new byte[60]))).isTrue();
        assertThat(j.append(new SpillJournal.Entry("t", "r", new byte[60]))).as("past the bound").isFalse();
        assertThatThrownBy(() -> SpillJournal.create(f, "r", "k:1", 100)).isInstanceOf(SpillJournal.InUseException.class);
        j.close(List.of());
        SpillJournal.Summary s = SpillJournal.inspect(f);
        assertThat(s.problem()).isNull();
        assertThat(s.records()).isEqualTo(1);
        assertThat(s.header().runId()).isEqualTo("r");
        assertThatThrownBy(() -> SpillJournal.create(f, "r", "k:1", 100)).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }
}
