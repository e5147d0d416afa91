package dev.canyon.storage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Canyon's connection to InfluxDB: database bootstrap, batched idempotent writes with retries, and
 * the queries the CLI and tests need. Thread-compatible (one writer thread at a time).
 *
 * <p>Errors: transient failures (connection refused or reset, timeouts, 5xx) are retried with
 * exponential backoff up to {@link InfluxConfig#maxRetries()}; anything else (a 4xx such as a
 * malformed point or an unknown database) fails at once with {@link StorageException}.
 */
public final class InfluxStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InfluxStore.class);

    private final InfluxConfig config;
    private final InfluxDB influx;

    private InfluxStore(InfluxConfig config, InfluxDB influx) {
        this.config = config;
        this.influx = influx;
    }

    /** Connects and, if configured, creates the database. */
    public static InfluxStore connect(InfluxConfig config) {
        OkHttpClient.Builder http = new OkHttpClient.Builder()
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(30, TimeUnit.SECONDS)
                .writeTimeout(30, TimeUnit.SECONDS);
        if (!config.token().isEmpty()) {
            String header = "Token " + config.token();
            http.addInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("Authorization", header).build()));
        }
        InfluxDB influx = config.username().isEmpty()
                ? InfluxDBFactory.connect(config.url(), http)
                : InfluxDBFactory.connect(config.url(), config.username(), config.password(), http);
        influx.setLogLevel(InfluxDB.LogLevel.NONE);
        InfluxStore store = new InfluxStore(config, influx);
        if (config.createDatabase()) {
            try {
                store.retrying("create database " + config.database(),
                        () -> store.execute("CREATE DATABASE " + quoteIdentifier(config.database())));
            } catch (StorageException e) {
                // A non-admin user (or InfluxDB 2.x/3.x) cannot create databases: go on, assuming it exists.
                if (e.isRetriable()) {
                    throw e;
                }
                LOG.warn("could not create InfluxDB database {} ({}); assuming it exists", config.database(), e.getMessage());
                return store;
            }
            if (config.retention() != null) {
                store.retrying("set up retention of " + config.database(), () -> {
                    store.setUpRetention(config.retention());
                    return null;
                });
            }
        }
        return store;
    }

    /** Measurements the continuous query downsamples (the per-step ones). */
    static final String DOWNSAMPLED = "/^(" + String.join("|", dev.canyon.contract.Measurements.PER_STEP) + ")$/";

    /** Name of the downsampling continuous query. */
    public static final String DOWNSAMPLE_QUERY = "canyon_downsample";

    /**
     * Creates or alters the two retention policies (raw the default) and replaces the continuous
     * query: {@code SELECT mean(*) INTO <db>.canyon_downsampled.:MEASUREMENT FROM
     * <db>.canyon_raw./^(training|gradient|distance)$/ GROUP BY time(interval), *} (fields become
     * {@code mean_<field>}; tags are kept).
     */
    void setUpRetention(InfluxConfig.Retention r) {
        String db = quoteIdentifier(config.database());
        policy(InfluxConfig.RAW_POLICY, r.raw(), true);
        policy(InfluxConfig.DOWNSAMPLED_POLICY, r.downsampled(), false);
        try {
            execute("DROP CONTINUOUS QUERY " + quoteIdentifier(DOWNSAMPLE_QUERY) + " ON " + db);
        } catch (StorageException e) {
            // not there yet
        }
        // RESAMPLE FOR five intervals: points that arrive a little late are still averaged in.
        execute("CREATE CONTINUOUS QUERY " + quoteIdentifier(DOWNSAMPLE_QUERY) + " ON " + db + " RESAMPLE FOR "
                + 5 * r.interval().toSeconds() + "s BEGIN " + downsampleSelect(r)
                + " GROUP BY time(" + r.interval().toSeconds() + "s), * END");
    }

    private String downsampleSelect(InfluxConfig.Retention r) {
        String db = quoteIdentifier(config.database());
        return "SELECT mean(*) INTO " + db + "." + quoteIdentifier(InfluxConfig.DOWNSAMPLED_POLICY) + ".:MEASUREMENT FROM " + db
                + "." + quoteIdentifier(InfluxConfig.RAW_POLICY) + "." + DOWNSAMPLED;
    }

    private void policy(String name, java.time.Duration d, boolean isDefault) {
        String spec = " ON " + quoteIdentifier(config.database()) + " DURATION " + d.toSeconds() + "s REPLICATION 1"
                + (isDefault ? " DEFAULT" : "");
        try {
            execute("CREATE RETENTION POLICY " + quoteIdentifier(name) + spec);
        } catch (StorageException e) {
            if (!String.valueOf(e.getMessage()).contains("already exists")) {
                throw e;
            }
            execute("ALTER RETENTION POLICY " + quoteIdentifier(name) + spec);
        }
    }

    /**
     * Runs the downsampling once over the raw points from {@code fromNanos} on (what the continuous
     * query does every interval for the latest one): for back-filling after enabling retention.
     */
    public void backfillDownsampled(long fromNanos) {
        InfluxConfig.Retention r = config.retention();
        if (r == null) {
            throw new IllegalStateException("no retention configured for " + config.database());
        }
        execute(downsampleSelect(r) + " WHERE time >= " + fromNanos + " GROUP BY time(" + r.interval().toSeconds() + "s), *");
    }

    public InfluxConfig config() {
        return config;
    }

    /** Writes {@code points} in batches of at most {@link InfluxConfig#batchSize()}, retrying transient failures. */
    public void write(Collection<StoredPoint> points) {
        if (points.isEmpty()) {
            return;
        }
        List<StoredPoint> list = points instanceof List<StoredPoint> l ? l : new ArrayList<>(points);
        for (int from = 0; from < list.size(); from += config.batchSize()) {
            List<StoredPoint> chunk = list.subList(from, Math.min(list.size(), from + config.batchSize()));
            StringBuilder lines = new StringBuilder(chunk.size() * 160);
            for (StoredPoint p : chunk) {
                if (lines.length() > 0) {
                    lines.append('\n');
                }
                p.appendLineProtocol(lines);
            }
            String body = lines.toString();
            try {
                retrying("write " + chunk.size() + " points", () -> {
                    influx.write(config.database(), null, InfluxDB.ConsistencyLevel.ONE, TimeUnit.NANOSECONDS, body);
                    return null;
                });
            } catch (StorageException e) {
                // Points older than the retention period are refused by design; the rest of the batch was written.
                if (!String.valueOf(e.getMessage()).contains("points beyond retention policy dropped")) {
                    throw e;
                }
                LOG.warn("InfluxDB dropped points older than the retention period of {}: {}", config.database(), e.getMessage());
            }
        }
    }

    /** Runs an InfluxQL statement that returns no rows of interest (DDL); throws on any error in the result. */
    public QueryResult execute(String influxQl) {
        QueryResult r = influx.query(new Query(influxQl, config.database()));
        checkErrors(influxQl, r);
        return r;
    }

    /** Runs an InfluxQL query against the configured database and returns its rows, one map per row. */
    public List<Map<String, Object>> rows(String influxQl) {
        QueryResult r = retrying("query", () -> influx.query(new Query(influxQl, config.database()), TimeUnit.NANOSECONDS));
        checkErrors(influxQl, r);
        List<Map<String, Object>> out = new ArrayList<>();
        for (QueryResult.Result result : r.getResults()) {
            if (result.getSeries() == null) {
                continue;
            }
            for (QueryResult.Series s : result.getSeries()) {
                for (List<Object> values : s.getValues()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    if (s.getTags() != null) {
                        row.putAll(s.getTags());
                    }
                    for (int i = 0; i < s.getColumns().size(); i++) {
                        row.put(s.getColumns().get(i), values.get(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    /** Number of points of {@code measurement} for run {@code runId}. */
    public long countPoints(String measurement, String runId) {
        List<Map<String, Object>> rows = rows("SELECT COUNT(\"" + dev.canyon.contract.Measurements.FIELD_STEP + "\") FROM "
                + quoteIdentifier(measurement) + " WHERE \"" + dev.canyon.contract.Measurements.TAG_RUN + "\" = "
                + quoteString(runId));
        return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("count")).longValue();
    }

    /** Whether the server answers a ping. */
    public boolean ping() {
        try {
            return influx.ping().isGood();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        influx.close();
    }

    /** Quotes an InfluxQL identifier (measurement, tag or field name). */
    public static String quoteIdentifier(String name) {
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Quotes an InfluxQL string literal (a tag value in a WHERE clause). */
    public static String quoteString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void checkErrors(String statement, QueryResult r) {
        if (r.hasError()) {
            throw new StorageException("InfluxDB rejected '" + statement + "': " + r.getError(), false);
        }
        for (QueryResult.Result result : r.getResults()) {
            if (result.hasError()) {
                throw new StorageException("InfluxDB rejected '" + statement + "': " + result.getError(), false);
            }
        }
    }

    private interface Call<T> {
        T run();
    }

    private <T> T retrying(String what, Call<T> call) {
        long backoff = config.retryBackoff().toMillis();
        for (int attempt = 0; ; attempt++) {
            try {
                return call.run();
            } catch (RuntimeException e) {
                boolean transientFailure = isTransient(e);
                if (!transientFailure || attempt >= config.maxRetries()) {
                    throw e instanceof StorageException se ? se
                            : new StorageException("InfluxDB at " + config.url() + " failed to " + what + " after "
                                    + (attempt + 1) + " attempt(s): " + e.getMessage(), transientFailure, e);
                }
                LOG.warn("InfluxDB at {} failed to {} ({}); retry {} of {} in {} ms", config.url(), what, e.getMessage(),
                        attempt + 1, config.maxRetries(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new StorageException("interrupted while retrying InfluxDB " + what, true, ie);
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /**
     * Transient means the request may succeed later unchanged: an I/O failure (refused, reset,
     * timed out) or the server saying it is overloaded. A rejected statement or point is not.
     * (influxdb-java's own {@code isRetryWorth()} answers true for every generic error, so it is
     * not used.)
     */
    static boolean isTransient(Throwable e) {
        if (e instanceof StorageException se) {
            return se.isRetriable();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("timeout") || m.contains("cache-max-memory-size") || m.contains("hinted handoff queue not empty")
                    || m.contains("service unavailable") || m.contains("engine: cache maximum memory size exceeded")) {
                return true;
            }
        }
        return false;
    }
}
