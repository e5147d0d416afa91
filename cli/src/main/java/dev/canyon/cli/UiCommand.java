package dev.canyon.cli;

import dev.canyon.storage.InfluxConfig;
import dev.canyon.ui.LiveView;
import dev.canyon.ui.RunCatalog;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon ui}: the live view over any InfluxDB, until Ctrl-C. */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = {"Serves the live view (runs, run and experiment pages, updated as points land) of what an InfluxDB holds, "
                + "read-only, on 127.0.0.1 until Ctrl-C. canyon stack and canyon demo start it themselves.",
                "With --bootstrap-servers it also reads the runs topic for each run's model and optimizer."})
final class UiCommand implements Callable<Integer> {

    @Option(names = "--ui-port", defaultValue = "" + LiveView.DEFAULT_PORT,
            description = "Port of the live view on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 for a free one).")
    int uiPort;

    @picocli.CommandLine.Mixin
    InfluxOptions influxOptions;

    @Option(names = "--bootstrap-servers", description = "Kafka holding the runs topic, for each run's model and optimizer "
            + "(default: none; the pages then say 'unknown').")
    String bootstrapServers;

    @picocli.CommandLine.Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Gone: a password on the command line is in the process list for every user of the machine. */
    @Option(names = "--influx-password", hidden = true, paramLabel = "PASSWORD")
    void influxPassword(String ignored) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--influx-password is not accepted: a password on "
                + "the command line is visible to every user of this machine in the process list; set CANYON_INFLUX_PASSWORD "
                + "in the environment instead");
    }

    @Override
    public Integer call() throws Exception {
        Ports.requireFree(uiPort, "--ui-port", "the live view");
        InfluxConfig influx = influxOptions.config();
        KafkaRunCatalog catalog = bootstrapServers == null ? null : new KafkaRunCatalog(bootstrapServers, kafka.clientProperties());
        String report = bootstrapServers == null ? "./canyon report" : "./canyon report --bootstrap-servers " + bootstrapServers;
        try (LiveView view = LiveView.start(influx, uiPort, catalog == null ? RunCatalog.NONE : catalog, report)) {
            System.out.printf("Live view: %s  (read-only; InfluxDB %s, database %s)%n", view.url(), influxOptions.url, influxOptions.database);
            System.out.println("Ctrl-C to stop.");
            System.out.flush();
            new CountDownLatch(1).await();
        } finally {
            if (catalog != null) {
                catalog.close();
            }
        }
        return 0;
    }
}
