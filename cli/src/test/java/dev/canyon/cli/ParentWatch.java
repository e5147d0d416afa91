package dev.canyon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * The main class of a test's child JVM ({@link ChildJvm}): watches the pipe from the parent (the
 * child's standard input) and halts this JVM as soon as it closes, which the kernel does when the
 * parent dies for any reason (even SIGKILL, when no shutdown hook runs); then calls the real main
 * class, {@code args[0]}, with the other arguments. So a killed test run leaves no broker, JobManager
 * or TaskManager behind. It is copied alone onto the child's class path; it must stay one class file.
 */
public final class ParentWatch {
    private ParentWatch() {}

    public static void main(String[] args) throws Throwable {
        Thread watch = new Thread(() -> {
            try (InputStream in = System.in) {
                byte[] buffer = new byte[64];
                while (in.read(buffer) >= 0) {
                    // the parent never writes; only the end of the stream matters
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone as well
            }
            Runtime.getRuntime().halt(137);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
