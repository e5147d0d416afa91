package dev.canyon.kernels.violation;

/**
 * Deliberately wrong, for ArchitectureTest only: a "kernel" that imports Flink and builds an
 * InfluxDB point, which the layer rules must report. Never used.
 */
public final class KernelThatImportsFlink {
    private KernelThatImportsFlink() {}

    static Object wrong(org.apache.flink.api.common.functions.MapFunction<String, String> f) {
        return java.util.List.of(f, dev.canyon.storage.StoredPoint.builder("m", 1L));
    }
}
