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
 * @param createDatabase whether to issue {@code CREATE DATABASE} on connect (and set up {@link #retention})
 * @param token an API token sent as {@code Authorization: Token <token>} (InfluxDB 2.x/3.x
 *     compatibility endpoints), or empty
 * @param retention retention policies and downsampling to set up on connect, or null to leave the
 *     database's retention alone (the default: InfluxDB's infinite {@code autogen})
 */
public record InfluxConfig(String url, String database, String username, String password, int batchSize,
        int maxRetries, Duration retryBackoff, boolean createDatabase, String token, Retention retention)
        implements Serializable {

    /**
     * Raw points kept for {@code raw} (the database's default retention policy {@value #RAW_POLICY});
     * continuous queries average the per-step measurements over {@code interval} into {@value
     * #DOWNSAMPLED_POLICY}, kept for {@code downsampled}. Points older than {@code raw} are refused
     * by InfluxDB on write (a replay of old topics needs a longer raw period).
     */
    public record Retention(Duration raw, Duration downsampled, Duration interval) implements Serializable {
        public Retention {
            Objects.requireNonNull(raw, "raw");
            Objects.requireNonNull(downsampled, "downsampled");
            Objects.requireNonNull(interval, "interval");
            if (raw.compareTo(Duration.ofHours(1)) < 0 || downsampled.compareTo(raw) < 0) {
                throw new IllegalArgumentException("retention needs raw >= 1 h and downsampled >= raw, got " + raw + " and "
                        + downsampled);
            }
            if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(raw) > 0) {
                throw new IllegalArgumentException("downsampling interval must be between 1 s and the raw period, got " + interval);
            }
        }
    }

    /** Retention policy of raw points when {@link #retention} is set. */
    public static final String RAW_POLICY = "canyon_raw";
    /** Retention policy of downsampled points when {@link #retention} is set. */
    public static final String DOWNSAMPLED_POLICY = "canyon_downsampled";

    /** Without a token or retention set-up. */
    public InfluxConfig(String url, String database, String username, String password, int batchSize, int maxRetries,
            Duration retryBackoff, boolean createDatabase) {
        this(url, database, username, password, batchSize, maxRetries, retryBackoff, createDatabase, "", null);
    }

    /** Default database name. */
    public static final String DEFAULT_DATABASE = "canyon";

    public InfluxConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        token = token == null ? "" : token;
        if (!token.isEmpty() && !username.isEmpty()) {
            throw new IllegalArgumentException("an InfluxDB token and a user name are exclusive (the client's basic "
                    + "authentication would replace the token): set one of them");
        }
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
        return toBuilder().database(db).build();
    }

    /** The same configuration with credentials. */
    public InfluxConfig withCredentials(String user, String pass) {
        return toBuilder().username(user).password(pass).build();
    }

    /** The same configuration with an API token (InfluxDB 2.x/3.x compatibility endpoints). */
    public InfluxConfig withToken(String t) {
        return toBuilder().token(t).build();
    }

    /** The same configuration with retention policies and downsampling set up on connect. */
    public InfluxConfig withRetention(Retention r) {
        return toBuilder().retention(r).build();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds an {@link InfluxConfig}; {@link #build} validates. */
    public static final class Builder {
        private String url;
        private String database;
        private String username;
        private String password;
        private int batchSize;
        private int maxRetries;
        private Duration retryBackoff;
        private boolean createDatabase;
        private String token;
        private Retention retention;

        private Builder(InfluxConfig c) {
            url = c.url;
            database = c.database;
            username = c.username;
            password = c.password;
            batchSize = c.batchSize;
            maxRetries = c.maxRetries;
            retryBackoff = c.retryBackoff;
            createDatabase = c.createDatabase;
            token = c.token;
            retention = c.retention;
        }

        public Builder database(String v) {
            database = v;
            return this;
        }

        public Builder username(String v) {
            username = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder maxRetries(int v) {
            maxRetries = v;
            return this;
        }

        public Builder retryBackoff(Duration v) {
            retryBackoff = v;
            return this;
        }

        public Builder createDatabase(boolean v) {
            createDatabase = v;
            return this;
        }

        public Builder token(String v) {
            token = v;
            return this;
        }

        public Builder retention(Retention v) {
            retention = v;
            return this;
        }

        public InfluxConfig build() {
            return new InfluxConfig(url, database, username, password, batchSize, maxRetries, retryBackoff, createDatabase, token,
                    retention);
        }
    }

    @Override
    public String toString() {
        return "InfluxConfig[url=" + url + ", database=" + database + ", username=" + username
                + ", password=" + (password.isEmpty() ? "" : "****") + ", token=" + (token.isEmpty() ? "" : "****")
                + ", batchSize=" + batchSize + ", retention=" + retention + "]";
    }
}
