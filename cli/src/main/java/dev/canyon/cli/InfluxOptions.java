package dev.canyon.cli;

import dev.canyon.storage.InfluxConfig;
import picocli.CommandLine.Option;

/**
 * The InfluxDB settings of a command that reads or writes an InfluxDB it did not start:
 * {@code --influx-url}, {@code --influx-db}, {@code --influx-user}; the password comes from
 * {@code $CANYON_INFLUX_PASSWORD} only, never from the command line (every user of the machine
 * could read it in the process list).
 */
final class InfluxOptions {

    @Option(names = "--influx-url", defaultValue = "${env:CANYON_INFLUX_URL:-http://localhost:8086}",
            description = "InfluxDB 1.x HTTP API (default: $CANYON_INFLUX_URL or ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--influx-db", defaultValue = "${env:CANYON_INFLUX_DB:-canyon}", description = "Database (default: ${DEFAULT-VALUE}).")
    String database;

    @Option(names = "--influx-user", defaultValue = "${env:CANYON_INFLUX_USER:-}",
            description = "User (default: $CANYON_INFLUX_USER). The password comes from $CANYON_INFLUX_PASSWORD only.")
    String user;

    /** The settings, with the password from the environment. */
    InfluxConfig config() {
        return InfluxConfig.of(url).withDatabase(database).withCredentials(user, System.getenv().getOrDefault("CANYON_INFLUX_PASSWORD", ""));
    }
}
