package dev.canyon.ui;

import java.util.Map;

/**
 * What InfluxDB does not hold of a run: its model, optimizer and dataset, announced in the
 * run-started record on Kafka's runs topic. The live view shows them when a catalog knows them
 * ({@code canyon stack} and {@code canyon demo} read their own broker's runs topic; {@code canyon ui}
 * with {@code --bootstrap-servers}), and "unknown" otherwise.
 */
public interface RunCatalog {

    /** A run as its run-started record describes it. */
    record RunInfo(String run, String experiment, long startedMs, String model, String optimizer, String dataset,
            long parameters, int batchSize, double learningRate) {}

    /** The runs known so far, by run id; never null. */
    Map<String, RunInfo> runs();

    /** A catalog that knows nothing (InfluxDB only). */
    RunCatalog NONE = Map::of;
}
