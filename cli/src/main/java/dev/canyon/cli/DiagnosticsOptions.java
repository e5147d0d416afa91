package dev.canyon.cli;

import dev.canyon.trainer.telemetry.TelemetryConfig;
import picocli.CommandLine.Option;

/** The schedules of the listener's DL4J-UI diagnostics: per-layer histograms and JVM samples. */
final class DiagnosticsOptions {
    @Option(names = "--histogram-every", defaultValue = "" + TelemetryConfig.DEFAULT_HISTOGRAM_EVERY,
            description = "Histograms per layer of the parameters, gradients and updates every N steps; 0: none (default: "
                    + "${DEFAULT-VALUE}).")
    long histogramEvery;

    @Option(names = "--histogram-bins", defaultValue = "" + TelemetryConfig.DEFAULT_HISTOGRAM_BINS,
            description = "Equal-width bins per histogram, 1 to 256 (default: ${DEFAULT-VALUE}).")
    int histogramBins;

    @Option(names = "--jvm-every", defaultValue = "" + TelemetryConfig.DEFAULT_JVM_EVERY,
            description = "The trainer JVM's heap, off-heap memory, GC time and steps per second every N steps; 0: never (default: "
                    + "${DEFAULT-VALUE}).")
    long jvmEvery;

    /** Sets the schedules on {@code b}; {@link TelemetryConfig.Builder#build()} checks them. */
    TelemetryConfig.Builder apply(TelemetryConfig.Builder b) {
        return b.histogramEvery(histogramEvery).histogramBins(histogramBins).jvmEvery(jvmEvery);
    }
}
