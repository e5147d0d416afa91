package dev.canyon.job;

import dev.canyon.analytics.AnalyticsSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Canyon's settings for the job jar, resolved in one documented order wherever the job's {@code
 * main} runs (the {@code flink run} client, or the JobManager in application mode; the TaskManagers
 * receive the resolved settings inside the job and never read their own environment):
 *
 * <ol>
 *   <li>job arguments: {@code --window-steps 80} or {@code --window-steps=80};
 *   <li>Flink configuration keys {@code canyon.window-steps: 80} (config.yaml, or {@code -D} for
 *       {@code flink run});
 *   <li>environment variables {@code CANYON_WINDOW_STEPS=80};
 *   <li>defaults.
 * </ol>
 *
 * One name per setting in three spellings: {@code CANYON_FOO_BAR}, {@code canyon.foo-bar}, {@code
 * --foo-bar}. Settings that Flink has itself follow Flink's own option when Canyon's is not given
 * in any of the three places: parallelism ({@code flink run -p}, {@code parallelism.default}) and
 * the checkpoint interval ({@code execution.checkpointing.interval}). Secrets ({@link #SECRETS})
 * are refused as job arguments, which {@code ps} shows. An unknown argument or {@code canyon.*}
 * key is an error naming it; unknown {@code CANYON_*} variables are ignored (the launcher has its
 * own).
 */
public final class JobSettings {
    /** Settings of the job itself (the analytics settings, {@link AnalyticsSettings#KEYS}, come on top). */
    public static final List<String> JOB_KEYS = List.of("CANYON_KAFKA", "CANYON_KAFKA_CONFIG", "CANYON_GROUP_ID",
            "CANYON_INFLUX_URL", "CANYON_INFLUX_DB", "CANYON_INFLUX_USER", "CANYON_INFLUX_PASSWORD", "CANYON_INFLUX_TOKEN",
            "CANYON_INFLUX_RAW_RETENTION_H", "CANYON_INFLUX_DOWNSAMPLED_RETENTION_H", "CANYON_INFLUX_DOWNSAMPLE_INTERVAL_S",
            "CANYON_CHECKPOINT_INTERVAL_S", "CANYON_PARALLELISM");

    /** Settings that are secrets: never taken from job arguments, masked when printed. */
    public static final Set<String> SECRETS = Set.of("CANYON_INFLUX_PASSWORD", "CANYON_INFLUX_TOKEN");

    private static final String FLINK_PREFIX = "canyon.";

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private JobSettings(Map<String, String> values, Map<String, String> origins) {
        this.values = Collections.unmodifiableMap(values);
        this.origins = Collections.unmodifiableMap(origins);
    }

    /** Every setting name the job reads, as environment variables. */
    public static List<String> names() {
        List<String> all = new ArrayList<>(JOB_KEYS);
        AnalyticsSettings.KEYS.forEach(k -> all.add(k.name()));
        return all;
    }

    /** {@code CANYON_FOO_BAR} as a Flink configuration key: {@code canyon.foo-bar}. */
    public static String flinkKey(String name) {
        return FLINK_PREFIX + name.substring("CANYON_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code CANYON_FOO_BAR} as a job argument: {@code --foo-bar}. */
    public static String argument(String name) {
        return "--" + name.substring("CANYON_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Resolves the settings from the job's arguments, the Flink configuration the job sees and the
     * environment. Throws IllegalArgumentException naming an unknown or malformed argument or key, or
     * a secret given as an argument.
     */
    public static JobSettings resolve(String[] args, Map<String, String> flinkConfiguration, Map<String, String> environment) {
        Map<String, String> byArgument = new LinkedHashMap<>();
        Map<String, String> byFlinkKey = new LinkedHashMap<>();
        for (String n : names()) {
            byArgument.put(argument(n), n);
            byFlinkKey.put(flinkKey(n), n);
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (String n : names()) {
            String v = environment.get(n);
            if (v != null && !v.isBlank()) {
                values.put(n, v);
                origins.put(n, "environment " + n);
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(flinkConfiguration).entrySet()) {
            if (!e.getKey().startsWith(FLINK_PREFIX)) {
                continue;
            }
            String n = byFlinkKey.get(e.getKey());
            if (n == null) {
                throw new IllegalArgumentException("unknown Canyon setting '" + e.getKey() + "' in the Flink configuration; "
                        + "known: " + String.join(", ", byFlinkKey.keySet()));
            }
            values.put(n, e.getValue());
            origins.put(n, "Flink configuration " + e.getKey());
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String key = a;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            String n = byArgument.get(key);
            if (n == null) {
                throw new IllegalArgumentException("unknown job argument '" + a + "'; known: "
                        + String.join(" ", byArgument.keySet().stream().filter(k -> !SECRETS.contains(byArgument.get(k))).toList()));
            }
            if (SECRETS.contains(n)) {
                throw new IllegalArgumentException(key + " is a secret and a job argument shows in the process list; set "
                        + n + " in the environment of the process that runs the job's main, or " + flinkKey(n)
                        + " in its Flink configuration file");
            }
            if (value == null) {
                throw new IllegalArgumentException("job argument " + key + " needs a value");
            }
            values.put(n, value);
            origins.put(n, "job argument " + key);
        }
        return new JobSettings(values, origins);
    }

    /** The value of {@code name} (a {@code CANYON_*} name), or null when no source gives it. */
    public String get(String name) {
        return values.get(name);
    }

    /** The value of {@code name}, or {@code fallback}. */
    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** Whether any source gives {@code name}. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** Where {@code name}'s value came from ("job argument --parallelism", ...), or null. */
    public String origin(String name) {
        return origins.get(name);
    }

    /** Every given setting by its {@code CANYON_*} name, as {@link AnalyticsSettings#fromMap} reads them. */
    public Map<String, String> asMap() {
        return values;
    }

    /** A long value of {@code name} (default {@code fallback}), or an error naming the setting and where it came from. */
    public long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(origins.get(name) + " must be a whole number, got '" + v + "'");
        }
    }

    /** The given settings with where each came from, secrets masked: one line each. */
    public String describe() {
        return values.keySet().stream().map(n -> n + "=" + (SECRETS.contains(n) ? "****" : values.get(n)) + " (" + origins.get(n) + ")")
                .collect(Collectors.joining("\n"));
    }
}
