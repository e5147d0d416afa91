package dev.canyon.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The local stack's data folder, as the commands that use it resolve it. */
final class DataDirs {
    private DataDirs() {}

    /** {@code given}, else $CANYON_DATA_DIR, else ./.canyon; absolute. */
    static Path resolve(Path given) {
        return (given != null ? given : Path.of(System.getenv().getOrDefault("CANYON_DATA_DIR", ".canyon"))).toAbsolutePath();
    }

    /** The resolved folder, which must hold recorded Kafka data ({@code otherwise} says what else the command can do). */
    static Path recorded(Path given, String otherwise) {
        Path dir = resolve(given);
        if (!Files.isDirectory(dir.resolve("kafka"))) {
            throw new IllegalArgumentException("no recorded data in " + dir + " (run canyon demo or canyon stack first, pass --data-dir"
                    + otherwise + ")");
        }
        return dir;
    }
}
