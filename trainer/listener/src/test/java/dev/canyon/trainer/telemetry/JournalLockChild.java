package dev.canyon.trainer.telemetry;

import java.nio.file.Path;

/** Run in a child JVM by {@link SpillJournalTest}: tries to take the journal named by its argument and prints what happened. */
final class JournalLockChild {
    private JournalLockChild() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        System.out.println("inspect: " + SpillJournal.inspect(file).problem());
        try (SpillJournal j = SpillJournal.open(file, Long.MAX_VALUE)) {
            System.out.println("open: taken, " + j.unread() + " records");
        } catch (SpillJournal.InUseException e) {
            System.out.println("open: " + e.getMessage());
        }
    }
}
