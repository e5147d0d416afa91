package dev.canyon.cli;

import dev.canyon.contract.kafka.KafkaUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code canyon} command. */
@Command(name = "canyon", mixinStandardHelpOptions = true, version = "canyon 0.1.0",
        description = {"Live telemetry for neural-network training: DL4J -> Kafka -> Flink -> InfluxDB, shown by the live view, Grafana "
                        + "dashboards and offline reports.",
                "New here? ./canyon demo trains a small model on the local stack and prints what Canyon measured; "
                        + "./canyon COMMAND --help lists a command's options with their defaults."},
        footerHeading = "%nExit status:%n",
        footer = {"  0    done",
                "  1    failed: one line on standard error says what went wrong and how to fix it (CANYON_DEBUG=1 adds the "
                        + "stack trace)",
                "  2    usage: an unknown option, a bad value or a missing argument; nothing was started",
                "  3    incomplete: the command ran, but not all telemetry was delivered or stored (demo, resend, "
                        + "train --strict-delivery); what is left and where is listed",
                "  130  interrupted (Ctrl-C)"},
        subcommands = {DemoCommand.class, TrainCommand.class, ResendCommand.class, StackCommand.class, ReplayCommand.class, ReportCommand.class, UiCommand.class, AnalyticsCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Canyon implements java.util.concurrent.Callable<Integer> {
    /** Exit status: done. */
    static final int OK = 0;
    /** Exit status: failed (an error message says what and how to fix it). */
    static final int FAILED = 1;
    /** Exit status: a usage error; nothing was started. */
    static final int USAGE = 2;
    /** Exit status: ran, but not all telemetry was delivered or stored. */
    static final int INCOMPLETE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage, and the usage error's status. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The command line with Canyon's error handling: one clear line per user error, no stack trace. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Canyon());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            c.getErr().println(name + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
            c.getErr().println("See '" + name + " --help' for its options.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
            KafkaUnreachableException unreachable = find(e, KafkaUnreachableException.class);
            if (unreachable != null) {
                commandLine.getErr().println("To fix: start Kafka with ./canyon stack (in another terminal; Kafka on localhost:9092), "
                        + "or pass --bootstrap-servers HOST:PORT of a running cluster (default: $CANYON_KAFKA or localhost:9092); for a slow "
                        + "cluster, give it more time with --kafka-property default.api.timeout.ms=30000.");
            }
            if (System.getenv("CANYON_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(set CANYON_DEBUG=1 for the stack trace)");
            }
            return FAILED;
        });
        return cl;
    }

    /**
     * Runs {@code build} (the building of a command's options from its option values); an {@link
     * IllegalArgumentException} it throws is a usage error of {@code spec}'s command (exit {@link #USAGE}).
     */
    static <T> T usage(CommandLine.Model.CommandSpec spec, java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private static String describe(Throwable e) {
        return KafkaUnreachableException.describe(e);
    }

    /** {@code e} or its first cause of type {@code type}; null if none. */
    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
