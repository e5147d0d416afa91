package dev.canyon.cli;

import dev.canyon.contract.kafka.KafkaUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code canyon} command. */
@Command(name = "canyon", mixinStandardHelpOptions = true, version = "canyon 0.1.0",
        description = "Live telemetry for neural-network training: DL4J -> Kafka -> Flink -> InfluxDB -> Grafana.",
        subcommands = {DemoCommand.class, TrainCommand.class, ResendCommand.class, StackCommand.class, ReplayCommand.class, ReportCommand.class, UiCommand.class, AnalyticsCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Canyon implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The command line with Canyon's error handling: one clear line per user error, no stack trace. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Canyon());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("canyon " + commandLine.getCommandName() + ": " + describe(e));
            KafkaUnreachableException unreachable = find(e, KafkaUnreachableException.class);
            if (unreachable != null) {
                commandLine.getErr().println("To fix: start Kafka with ./canyon stack (in another terminal; Kafka on localhost:9092), "
                        + "or pass --bootstrap-servers HOST:PORT of a running cluster (default: $CANYON_KAFKA or localhost:9092).");
            }
            if (System.getenv("CANYON_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(set CANYON_DEBUG=1 for the stack trace)");
            }
            return 1;
        });
        return cl;
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
