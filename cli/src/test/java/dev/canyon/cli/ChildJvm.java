package dev.canyon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A Java child process of a test: one main class in a JVM of its own, its output appended to a log
 * file, killed with SIGKILL ({@link #kill}) and started again with the same command ({@link #start}).
 * Every child started is killed by {@link #killAll} and, should the test JVM end without it, by a
 * shutdown hook; should the test JVM be killed, {@link ParentWatch} ends the child.
 */
final class ChildJvm {
    private static final List<ChildJvm> ALL = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildJvm::killAll, "child-jvm-reaper"));
    }

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;

    /**
     * @param classPath the child's class path (the watch's folder is added)
     * @param jvmOptions options before the main class
     */
    ChildJvm(String name, Path dir, String classPath, List<String> jvmOptions, String mainClass, List<String> args,
            Map<String, String> environment) {
        this.name = name;
        this.log = dir.resolve(name + ".log");
        this.environment = environment;
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(jvmOptions);
        c.add("-cp");
        c.add(watchFolder(dir) + java.io.File.pathSeparator + classPath);
        c.add(ParentWatch.class.getName());
        c.add(mainClass);
        c.addAll(args);
        this.command = List.copyOf(c);
        ALL.add(this);
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** Starts the child (again, with the same command). */
    synchronized ChildJvm start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " runs already");
        }
        try {
            Files.writeString(log, "==== " + java.time.Instant.now() + " " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(environment);
            process = pb.start(); // standard input stays a pipe from us: ParentWatch's lifeline
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL, and waits until the process is gone. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of the child's log. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills every child started in this JVM that still runs. */
    static void killAll() {
        for (ChildJvm c : ALL) {
            Process p;
            synchronized (c) {
                p = c.process;
            }
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (ChildJvm c : ALL) {
            Process p = c.process;
            if (p != null) {
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Forgets the children of a finished test (after {@link #killAll}). */
    static void forgetAll() {
        ALL.clear();
    }

    /** A folder holding only {@link ParentWatch}'s class file, for class paths that leave the test classes out. */
    private static synchronized Path watchFolder(Path dir) {
        Path folder = dir.resolve("parent-watch");
        Path file = folder.resolve(ParentWatch.class.getName().replace('.', '/') + ".class");
        if (!Files.exists(file)) {
            try (InputStream in = ParentWatch.class.getResourceAsStream(ParentWatch.class.getSimpleName() + ".class")) {
                Files.createDirectories(file.getParent());
                Files.copy(in, file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + ParentWatch.class.getName(), e);
            }
        }
        return folder;
    }
}
