package dev.canyon.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * One {@code canyon} command run in this JVM as a user runs it: its exit status, standard output
 * and standard error (both are also echoed to the test's own, for its log).
 */
record CommandRun(int exit, String out, String err) {

    static CommandRun of(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = Canyon.commandLine();
        cl.setErr(new PrintWriter(err, true));
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            int exit = cl.execute(args);
            return new CommandRun(exit, stdout.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
            System.out.print(stdout.toString(StandardCharsets.UTF_8));
            System.err.print(err);
        }
    }
}
