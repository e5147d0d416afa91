package dev.canyon.storage;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how Canyon talks to InfluxDB over the 1.x HTTP API (served by InfluxDB 1.x and, in
 * compatibility mode, by 2.x and 3.x).
 *
 * @param url base URL, e.g. {@code http://localhost:8086}
 * @param database database name (created if missing when {@link #createDatabase} is true)
 * @param username user name, or empty for no authentication
 * @param password password, or empty
 * @param batchSize points buffered before a write is sent; bounds the writer's memory
 * @param maxRetries attempts after the first for transient failures (server away, 5xx)
 * @param retryBackoff first backoff; doubles on each retry
 * @param createDatabase whether to issue {@code CREATE DATABASE} on connect
 */
public record InfluxConfig(String url, String database, String username, String password, int batchSize,
        int maxRetries, Duration retryBackoff, boolean createDatabase) implements Serializable {

    /** Default database name. */
    public static final String DEFAULT_DATABASE = "canyon";

    public InfluxConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        URI u = URI.create(url);
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("InfluxDB url must be http(s)://host:port, got '" + url + "'");
        }
        if (database.isBlank()) {
            throw new IllegalArgumentException("InfluxDB database name must not be blank");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
    }

    /** Defaults for a server at {@code url}: database {@value #DEFAULT_DATABASE}, no auth, 5,000-point batches. */
    public static InfluxConfig of(String url) {
        return new InfluxConfig(url, DEFAULT_DATABASE, "", "", 5000, 8, Duration.ofMillis(200), true);
    }

    /** The same configuration on another database. */
    public InfluxConfig withDatabase(String db) {
        return new InfluxConfig(url, db, username, password, batchSize, maxRetries, retryBackoff, createDatabase);
    }

    /** The same configuration with credentials. */
    public InfluxConfig withCredentials(String user, String pass) {
        return new InfluxConfig(url, database, user, pass, batchSize, maxRetries, retryBackoff, createDatabase);
    }

    @Override
    public String toString() {
        return "InfluxConfig[url=" + url + ", database=" + database + ", username=" + username
                + ", password=" + (password.isEmpty() ? "" : "****") + ", batchSize=" + batchSize + "]";
    }
}
