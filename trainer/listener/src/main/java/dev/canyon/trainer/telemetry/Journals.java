package dev.canyon.trainer.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The telemetry journals waiting in a folder: where the folder is by default, what waits in it, and
 * re-sending it ({@code canyon resend}). A journal holds one run's records that Kafka did not
 * acknowledge before its process ended; it names the Kafka cluster (bootstrap servers) it was
 * written for.
 */
public final class Journals {
    private Journals() {}

    /**
     * The default journal folder: {@code $CANYON_JOURNAL_DIR} when set, else {@code
     * $XDG_STATE_HOME/canyon/journal} when XDG_STATE_HOME is set and absolute, else {@code
     * ~/.local/state/canyon/journal}. Per user, and it survives a reboot.
     */
    public static Path defaultDirectory() {
        return JournalFolder.defaultDir();
    }

    /**
     * One journal in a folder.
     *
     * @param file the journal file
     * @param runId the run whose records it holds, or null when unreadable
     * @param bootstrapServers the Kafka cluster it was written for, or null when unreadable
     * @param records records waiting in it
     * @param bytes their size in the journal, framing included
     * @param problem why it cannot be re-sent now (in use by a running process, unknown format), or null
     */
    public record Journal(Path file, String runId, String bootstrapServers, long records, long bytes, String problem) {}

    /** The journals in {@code dir}, in the order they are re-sent (oldest first); empty when the folder does not exist. */
    public static List<Journal> list(Path dir) throws IOException {
        List<Journal> out = new ArrayList<>();
        Map<Journal, Long> created = new LinkedHashMap<>();
        for (Path f : files(dir)) {
            SpillJournal.Summary s = SpillJournal.inspect(f);
            SpillJournal.Header h = s.header();
            Journal j = new Journal(f, h == null ? null : h.runId(), h == null ? null : h.bootstrapServers(), s.records(), s.bytes(),
                    s.problem());
            out.add(j);
            created.put(j, h == null ? Long.MAX_VALUE : h.createdMs());
        }
        out.sort(Comparator.comparingLong((Journal j) -> created.get(j)).thenComparing(j -> j.file().getFileName().toString()));
        return out;
    }

    /** The {@code *.journal} files in {@code dir} (not following links), in no particular order. */
    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(SpillJournal.SUFFIX))
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
    }

    /**
     * What became of one journal in {@link #resend}.
     *
     * @param file the journal
     * @param runId its run, or null when unreadable
     * @param bootstrapServers the Kafka cluster it was written for, or null when unreadable
     * @param records records re-sent and acknowledged by Kafka
     * @param bytes their size (record values)
     * @param remaining records still waiting in the journal (0: the journal was deleted)
     * @param corruptBytes bytes of an unreadable tail (a process killed while writing) moved to {@code corruptFile}
     * @param corruptFile where they were kept, or null
     * @param problem why records remain, or null
     */
    public record Outcome(Path file, String runId, String bootstrapServers, long records, long bytes, long remaining,
            long corruptBytes, Path corruptFile, String problem) {
        /** Every record of the journal was acknowledged and the journal deleted. */
        public boolean delivered() {
            return remaining == 0 && problem == null;
        }
    }

    /**
     * Re-sends the journals in {@code config}'s journal folder to {@code config}'s Kafka cluster (with
     * its producer properties), oldest first, each in order, waiting at most {@code timeout} in all
     * for Kafka; a journal is deleted only when Kafka acknowledged all of it. Journals written for
     * another cluster (other bootstrap servers) are left alone unless {@code anyCluster}, as are
     * journals a running process holds. One outcome per journal, in order.
     */
    public static List<Outcome> resend(TelemetryConfig config, Duration timeout, boolean anyCluster) throws IOException {
        List<Outcome> out = new ArrayList<>();
        List<Path> targets = new ArrayList<>();
        Map<Path, Integer> slot = new LinkedHashMap<>();
        for (Journal j : list(config.journalDir())) {
            if (j.problem() != null) {
                out.add(new Outcome(j.file(), j.runId(), j.bootstrapServers(), 0, 0, j.records(), 0, null, j.problem()));
            } else if (!anyCluster && !j.bootstrapServers().equals(config.bootstrapServers())) {
                out.add(new Outcome(j.file(), j.runId(), j.bootstrapServers(), 0, 0, j.records(), 0, null,
                        "written for Kafka at " + j.bootstrapServers() + ", not " + config.bootstrapServers()));
            } else {
                slot.put(j.file(), out.size());
                out.add(null);
                targets.add(j.file());
            }
        }
        if (!targets.isEmpty()) {
            JournalResender resender = new JournalResender(resendProperties(config, "canyon-resend-" + ProcessHandle.current().pid()),
                    config.inFlightBytes());
            for (JournalResender.Outcome o : resender.run(targets, System.nanoTime() + timeout.toNanos())) {
                out.set(slot.get(o.file()), new Outcome(o.file(), o.runId(), o.bootstrapServers(), o.records(), o.bytes(),
                        o.remaining(), o.corruptBytes(), o.corruptFile(), o.problem()));
            }
        }
        out.removeIf(o -> o == null);
        return out;
    }

    /** The producer properties of re-sending: {@code config}'s, with a short {@code max.block.ms} (a wait between checks, not a deadline). */
    static Properties resendProperties(TelemetryConfig config, String clientId) {
        Properties p = config.producerProperties();
        p.put("max.block.ms", "1000");
        p.put("client.id", clientId);
        return p;
    }
}
