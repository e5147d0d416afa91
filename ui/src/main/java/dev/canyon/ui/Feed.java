package dev.canyon.ui;

import dev.canyon.storage.InfluxStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The points of a page, read from InfluxDB a first time in full and then incrementally: each
 * {@link #next} returns only the rows not returned before. A poll asks for the points newer than
 * the newest returned minus a lookback ({@value #LOOKBACK_NS} ns of point time, for points that
 * land a little out of order); every {@value #RECOUNT_EVERY} polls it also counts each
 * measurement's points and reads a measurement in full again when InfluxDB holds more than were
 * returned (points that landed late: a restarted job, a journal re-sent). Not thread-safe: one per
 * connection.
 */
final class Feed {
    /** Points arriving this much (of point time) behind the newest seen are still picked up by the next poll. */
    static final long LOOKBACK_NS = 10_000_000_000L;
    /** Polls between two counts. */
    static final int RECOUNT_EVERY = 10;

    /**
     * One measurement of the page.
     *
     * @param key its name in the JSON
     * @param measurement the InfluxDB measurement
     * @param select the InfluxQL field list ({@code *}, or fields and tags)
     * @param drop columns left out of the JSON (the tags the filter already fixes)
     * @param latestBy when not empty: only the latest point of each group of these tags (a histogram per layer and kind)
     */
    record Source(String key, String measurement, String select, Set<String> drop, List<String> latestBy) {
        static Source all(String measurement, Set<String> drop) {
            return new Source(measurement, measurement, "*", drop, List.of());
        }
    }

    private final InfluxStore store;
    private final String where;
    private final List<Source> sources;
    private final Map<String, Set<Long>> sent = new HashMap<>();
    private final Map<String, Long> newest = new HashMap<>();
    private int polls;

    Feed(InfluxStore store, String where, List<Source> sources) {
        this.store = store;
        this.where = where;
        this.sources = List.copyOf(sources);
    }

    /**
     * The rows not returned before, by source key: {@code {columns: [...], rows: [[...], ...]}},
     * {@code time} in milliseconds since the epoch (fractional). Sources with no new rows are left out.
     */
    Map<String, Object> next() {
        boolean first = polls == 0;
        boolean recount = !first && polls % RECOUNT_EVERY == 0;
        polls++;
        Map<String, Object> out = new LinkedHashMap<>();
        for (Source s : sources) {
            List<Map<String, Object>> rows;
            if (!s.latestBy().isEmpty()) {
                if (!first && polls % 4 != 1) {
                    continue;
                }
                rows = store.rows("SELECT " + s.select() + " FROM " + InfluxStore.quoteIdentifier(s.measurement()) + " WHERE "
                        + where + " GROUP BY " + String.join(", ", s.latestBy().stream().map(InfluxStore::quoteIdentifier).toList())
                        + " ORDER BY time DESC LIMIT 1");
            } else {
                Set<Long> seen = sent.getOrDefault(s.key(), Set.of());
                boolean full = first || !newest.containsKey(s.key())
                        || (recount && count(s) > seen.size());
                String time = full ? "" : " AND time > " + (newest.get(s.key()) - LOOKBACK_NS);
                rows = store.rows("SELECT " + s.select() + " FROM " + InfluxStore.quoteIdentifier(s.measurement()) + " WHERE "
                        + where + time);
            }
            Map<String, Object> table = table(s, rows);
            if (table != null) {
                out.put(s.key(), table);
            }
        }
        return out;
    }

    private long count(Source s) {
        long max = 0;
        for (Map<String, Object> row : store.rows("SELECT COUNT(*) FROM " + InfluxStore.quoteIdentifier(s.measurement()) + " WHERE "
                + where)) {
            for (Map.Entry<String, Object> e : row.entrySet()) {
                if (e.getKey().startsWith("count") && e.getValue() instanceof Number n) {
                    max = Math.max(max, n.longValue());
                }
            }
        }
        return max;
    }

    private Map<String, Object> table(Source s, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return null;
        }
        Set<Long> seen = sent.computeIfAbsent(s.key(), k -> new HashSet<>());
        List<String> columns = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            for (String c : row.keySet()) {
                if (!s.drop().contains(c) && !columns.contains(c)) {
                    columns.add(c);
                }
            }
        }
        List<List<Object>> values = new ArrayList<>();
        long max = newest.getOrDefault(s.key(), Long.MIN_VALUE);
        for (Map<String, Object> row : rows) {
            List<Object> v = new ArrayList<>(columns.size());
            for (String c : columns) {
                Object o = row.get(c);
                if ("time".equals(c) && o instanceof Number n) {
                    max = Math.max(max, (long) n.doubleValue());
                    o = n.doubleValue() / 1e6;
                }
                v.add(o);
            }
            if (seen.add(fingerprint(v))) {
                values.add(v);
            }
        }
        newest.put(s.key(), max);
        if (values.isEmpty()) {
            return null;
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("columns", columns);
        t.put("rows", values);
        return t;
    }

    /** 64-bit FNV-1a of the row's values. */
    static long fingerprint(List<Object> values) {
        long h = 0xcbf29ce484222325L;
        for (Object o : values) {
            String s = String.valueOf(o);
            for (int i = 0; i < s.length(); i++) {
                h ^= s.charAt(i);
                h *= 0x100000001b3L;
            }
            h ^= 0x1f;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
