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

    /**
     * Starts the local stack on {@code dir}; a failure (most often: a canyon stack or demo already runs on this data, and
     * holds its Kafka log) says so and how to go on.
     */
    static dev.canyon.stack.LocalStack startStack(Path dir, int kafkaPort, int influxPort) {
        requireNotInUse(dir);
        try {
            return dev.canyon.stack.LocalStack.start(dir, kafkaPort, influxPort);
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage()).replaceAll("[.\\s]+$", "");
            throw new IllegalStateException("cannot start the local stack on the data in " + dir + ": " + why
                    + ". Is a canyon stack or demo already running on this folder? Stop it, or pass --data-dir with another "
                    + "folder (replay and report read a running stack with --bootstrap-servers localhost:9092)", e);
        }
    }

    /**
     * Fails, saying so and how to go on, when another process (or this one) runs Kafka on {@code dir}'s Kafka log: Kafka
     * locks the folder, and a broker started on it anyway fails with a stack trace in the log.
     */
    static void requireNotInUse(Path dir) {
        Path lock = dir.resolve("kafka").resolve(".lock");
        if (Files.isRegularFile(lock)) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE);
                    java.nio.channels.FileLock held = ch.tryLock()) {
                if (held == null) {
                    throw inUse(dir, "another process holds the lock of its Kafka log (" + lock + ")");
                }
            } catch (java.nio.channels.OverlappingFileLockException e) {
                throw inUse(dir, "this process already holds the lock of its Kafka log (" + lock + ")");
            } catch (java.io.IOException e) {
                // Not readable as a lock: Kafka will say what is wrong.
            }
        }
    }

    private static IllegalStateException inUse(Path dir, String why) {
        return new IllegalStateException("the data in " + dir + " is in use: " + why + ". Is a canyon stack or demo already "
                + "running on this folder? Stop it, or pass --data-dir with another folder (replay and report read a running "
                + "stack with --bootstrap-servers localhost:9092)");
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
