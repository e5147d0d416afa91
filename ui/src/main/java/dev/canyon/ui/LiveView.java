package dev.canyon.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canyon.contract.Ids;
import dev.canyon.contract.Measurements;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live view: a read-only web server on 127.0.0.1 that shows what InfluxDB holds of the runs
 * (pages {@code /}, {@code /run/<id>}, {@code /experiment/<id>}), with their data as JSON under
 * {@code /api/} and live updates as server-sent events ({@code /api/.../events}: InfluxDB polled
 * every {@value #POLL_MS} ms per open page, only the points not sent before pushed). GET only;
 * any other method is answered 405. Static files (pages, scripts, uPlot) come from the jar.
 */
public final class LiveView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveView.class);

    /**
     * The default port of {@code canyon ui}, {@code canyon stack} and {@code canyon demo}: clear of
     * Kafka (9092, 29092), InfluxDB (8086, and 8088, a system influxd's RPC service), Flink (8081)
     * and Grafana (3000).
     */
    public static final int DEFAULT_PORT = 8070;
    /** How often an open page's event stream polls InfluxDB, ms. */
    public static final long POLL_MS = 500;
    /** How often the runs page's summary is recomputed, ms. */
    static final long RUNS_POLL_MS = 1_000;
    /** A comment line is sent after this long without data, so that a closed page ends its stream. */
    static final long KEEPALIVE_MS = 5_000;

    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/";
    private static final String ASSETS = "dev/canyon/ui/assets/";
    private static final Map<String, String> UPLOT_FILES = Map.of("uPlot.iife.min.js", UPLOT + "dist/uPlot.iife.min.js",
            "uPlot.min.css", UPLOT + "dist/uPlot.min.css", "uPlot-LICENSE", UPLOT + "LICENSE");
    private static final Set<String> TAGS_OF_RUN = Set.of(Measurements.TAG_RUN, Measurements.TAG_EXPERIMENT);

    private final HttpServer server;
    private final ExecutorService executor;
    private final InfluxStore store;
    private final RunCatalog catalog;
    private final String reportCommand;
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean closed;

    private LiveView(HttpServer server, ExecutorService executor, InfluxStore store, RunCatalog catalog, String reportCommand) {
        this.server = server;
        this.executor = executor;
        this.store = store;
        this.catalog = catalog;
        this.reportCommand = reportCommand;
    }

    /**
     * Starts the server on 127.0.0.1.
     *
     * @param influx where the points are (read only: no database is created, no write is made)
     * @param port the port, 0 for a free one
     * @param catalog model and optimizer of the runs, when known ({@link RunCatalog#NONE} otherwise)
     * @param reportCommand the {@code canyon report} command the pages show, without {@code --run}/{@code --experiment}
     *     (e.g. {@code ./canyon report --data-dir /data})
     */
    public static LiveView start(InfluxConfig influx, int port, RunCatalog catalog, String reportCommand) throws IOException {
        // Read-only and quick to give up: a page shows the failure and polls again rather than waiting on retries.
        InfluxStore store = InfluxStore.connect(influx.toBuilder().createDatabase(false).retention(null).maxRetries(0).build());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "canyon-ui-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        LiveView view = new LiveView(server, executor, store, catalog, reportCommand);
        server.createContext("/", view::handle);
        server.start();
        return view;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>/}. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/";
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        store.close();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            String method = ex.getRequestMethod();
            if (!method.equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET");
                text(ex, 405, "read-only: GET only\n");
                return;
            }
            if (!hostAllowed(ex.getRequestHeaders().getFirst("Host"))) {
                // Another site's page resolving its own name to 127.0.0.1 (DNS rebinding) gets nothing.
                text(ex, 403, "unexpected Host header\n");
                return;
            }
            route(ex, ex.getRequestURI().getRawPath());
        } catch (IOException e) {
            LOG.debug("live view: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("live view: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            try {
                text(ex, 500, "error: " + e.getMessage() + "\n");
            } catch (IOException | RuntimeException ignored) {
                // the response was already under way
            }
        } finally {
            ex.close();
        }
    }

    private boolean hostAllowed(String host) {
        if (host == null) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        String name = colon > 0 && !h.endsWith("]") ? h.substring(0, colon) : h;
        return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
    }

    private void route(HttpExchange ex, String path) throws IOException {
        List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/"));
        String head = parts.get(0);
        if (path.equals("/") || path.equals("/index.html")) {
            resource(ex, ASSETS + "runs.html");
        } else if (head.equals("run") && parts.size() == 2 && id(parts.get(1)) != null) {
            resource(ex, ASSETS + "run.html");
        } else if (head.equals("experiment") && parts.size() == 2 && id(parts.get(1)) != null) {
            resource(ex, ASSETS + "experiment.html");
        } else if (head.equals("assets") && parts.size() == 2) {
            String name = parts.get(1);
            String file = UPLOT_FILES.get(name);
            if (file == null && name.matches("[a-z][a-z0-9-]*\\.(js|css|html|svg)")) {
                file = ASSETS + name;
            }
            resource(ex, file);
        } else if (head.equals("api")) {
            api(ex, parts.subList(1, parts.size()));
        } else if (path.equals("/favicon.ico")) {
            resource(ex, ASSETS + "favicon.svg");
        } else {
            text(ex, 404, "not found\n");
        }
    }

    private void api(HttpExchange ex, List<String> p) throws IOException {
        if (p.size() == 1 && p.get(0).equals("runs")) {
            send(ex, 200, "application/json", json.writeValueAsBytes(runs()));
        } else if (p.size() == 2 && p.get(0).equals("runs") && p.get(1).equals("events")) {
            stream(ex, new Runs());
        } else if (p.size() >= 2 && (p.get(0).equals("run") || p.get(0).equals("experiment")) && p.size() <= 3) {
            String id = id(p.get(1));
            boolean events = p.size() == 3 && p.get(2).equals("events");
            if (id == null || (p.size() == 3 && !events)) {
                text(ex, 404, "not found\n");
                return;
            }
            Page page = p.get(0).equals("run") ? new RunPage(id) : new ExperimentPage(id);
            if (events) {
                stream(ex, page);
            } else {
                send(ex, 200, "application/json", json.writeValueAsBytes(page.next()));
            }
        } else {
            text(ex, 404, "not found\n");
        }
    }

    /** The decoded id, or null when it is not a valid run or experiment id. */
    private static String id(String raw) {
        String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        return Ids.problem("id", id, false) == null ? id : null;
    }

    /** What an event stream sends: the first call a snapshot, the next ones what changed (null: nothing). */
    private interface Page {
        Map<String, Object> next();
    }

    /** A run's page: every measurement of the run, incrementally. */
    private final class RunPage implements Page {
        private final String run;
        private final Feed feed;
        private boolean first = true;

        RunPage(String run) {
            this.run = run;
            String where = InfluxStore.quoteIdentifier(Measurements.TAG_RUN) + " = " + InfluxStore.quoteString(run);
            List<Feed.Source> sources = new java.util.ArrayList<>();
            for (String m : List.of(Measurements.TRAINING, Measurements.GRADIENT, Measurements.DISTANCE, Measurements.INDICATORS,
                    Measurements.OBSTACLE, Measurements.PCA, Measurements.HESSIAN, Measurements.LINEAR_PATH,
                    Measurements.LINEAR_PATH_SUMMARY, Measurements.ALERTS, Measurements.LAYERS, Measurements.TRAINER_JVM)) {
                sources.add(Feed.Source.all(m, TAGS_OF_RUN));
            }
            sources.add(new Feed.Source(Measurements.HISTOGRAMS, Measurements.HISTOGRAMS, "*", TAGS_OF_RUN,
                    List.of(Measurements.TAG_LAYER, Measurements.TAG_KIND)));
            feed = new Feed(store, where, sources);
        }

        @Override
        public Map<String, Object> next() {
            Map<String, Object> points = feed.next();
            Map<String, Object> out = new LinkedHashMap<>();
            if (first) {
                first = false;
                out.put("run", run);
                RunCatalog.RunInfo info = catalog.runs().get(run);
                String experiment = info != null ? info.experiment() : experimentOf(run);
                out.put("experiment", experiment);
                out.put("info", info);
                out.put("report", reportCommand + " --run " + run);
                out.put("experiment_report", experiment == null ? null : reportCommand + " --experiment " + experiment);
            } else if (points.isEmpty()) {
                return null;
            }
            out.put("points", points);
            return out;
        }
    }

    /** An experiment's page: its runs' loss, distance from the origin and pairwise distances. */
    private final class ExperimentPage implements Page {
        private final String experiment;
        private final Feed feed;
        private boolean first = true;

        ExperimentPage(String experiment) {
            this.experiment = experiment;
            String where = InfluxStore.quoteIdentifier(Measurements.TAG_EXPERIMENT) + " = " + InfluxStore.quoteString(experiment);
            Set<String> drop = Set.of(Measurements.TAG_EXPERIMENT);
            feed = new Feed(store, where, List.of(
                    new Feed.Source(Measurements.TRAINING, Measurements.TRAINING, "step, loss, run", drop, List.of()),
                    new Feed.Source(Measurements.DISTANCE, Measurements.DISTANCE, "step, distance_from_origin, run", drop, List.of()),
                    new Feed.Source(Measurements.CROSS_RUN, Measurements.CROSS_RUN, "step, distance, run, other", drop, List.of())));
        }

        @Override
        public Map<String, Object> next() {
            Map<String, Object> points = feed.next();
            Map<String, Object> out = new LinkedHashMap<>();
            if (first) {
                first = false;
                out.put("experiment", experiment);
                out.put("report", reportCommand + " --experiment " + experiment);
            } else if (points.isEmpty()) {
                return null;
            }
            out.put("points", points);
            return out;
        }
    }

    /** The runs page: the summary, sent again whenever it changes. */
    private final class Runs implements Page {
        private String last = "";
        private long due;

        @Override
        public Map<String, Object> next() {
            long now = System.currentTimeMillis();
            if (now < due) {
                return null;
            }
            due = now + RUNS_POLL_MS;
            Map<String, Object> r = runs();
            String s = r.toString();
            if (s.equals(last)) {
                return null;
            }
            last = s;
            return r;
        }
    }

    private String experimentOf(String run) {
        List<Map<String, Object>> rows = store.rows("SHOW TAG VALUES FROM " + InfluxStore.quoteIdentifier(Measurements.TRAINING)
                + " WITH KEY = " + InfluxStore.quoteIdentifier(Measurements.TAG_EXPERIMENT) + " WHERE "
                + InfluxStore.quoteIdentifier(Measurements.TAG_RUN) + " = " + InfluxStore.quoteString(run));
        return rows.isEmpty() ? null : String.valueOf(rows.get(0).get("value"));
    }

    /** The runs summary of the runs page. */
    Map<String, Object> runs() {
        Map<String, Map<String, Object>> byRun = new LinkedHashMap<>();
        String training = InfluxStore.quoteIdentifier(Measurements.TRAINING);
        String step = InfluxStore.quoteIdentifier(Measurements.FIELD_STEP);
        for (Map<String, Object> row : store.rows("SELECT FIRST(" + step + ") FROM " + training + " GROUP BY run, experiment")) {
            Map<String, Object> r = byRun.computeIfAbsent(String.valueOf(row.get("run")), k -> new LinkedHashMap<>());
            r.put("run", row.get("run"));
            r.put("experiment", row.get("experiment"));
            r.put("first_ms", ms(row.get("time")));
            r.put("first_step", row.get("first"));
        }
        for (Map<String, Object> row : store.rows("SELECT LAST(" + step + ") FROM " + training + " GROUP BY run")) {
            Map<String, Object> r = byRun.get(String.valueOf(row.get("run")));
            if (r != null) {
                r.put("last_ms", ms(row.get("time")));
                r.put("steps", row.get("last"));
            }
        }
        for (Map<String, Object> row : store.rows("SELECT COUNT(" + step + ") FROM " + training
                + " WHERE time > now() - 10s GROUP BY run")) {
            Map<String, Object> r = byRun.get(String.valueOf(row.get("run")));
            if (r != null && row.get("count") instanceof Number c) {
                r.put("recent_steps_per_s", c.doubleValue() / 10.0);
            }
        }
        for (Map<String, Object> row : store.rows("SELECT LAST(" + InfluxStore.quoteIdentifier(Measurements.FIELD_STATE) + ") FROM "
                + InfluxStore.quoteIdentifier(Measurements.OBSTACLE) + " GROUP BY run")) {
            Map<String, Object> r = byRun.get(String.valueOf(row.get("run")));
            if (r != null) {
                r.put("obstacle_state", row.get("last"));
            }
        }
        for (Map<String, Object> row : store.rows("SELECT LAST(" + InfluxStore.quoteIdentifier(Measurements.FIELD_OPEN) + ") FROM "
                + InfluxStore.quoteIdentifier(Measurements.ALERTS) + " GROUP BY run, kind")) {
            Map<String, Object> r = byRun.get(String.valueOf(row.get("run")));
            if (r != null && row.get("last") instanceof Number open && open.longValue() == 1) {
                @SuppressWarnings("unchecked")
                List<Object> kinds = (List<Object>) r.computeIfAbsent("open_alerts", k -> new java.util.ArrayList<>());
                kinds.add(row.get("kind"));
            }
        }
        Map<String, RunCatalog.RunInfo> infos = catalog.runs();
        for (Map<String, Object> r : byRun.values()) {
            RunCatalog.RunInfo info = infos.get(String.valueOf(r.get("run")));
            if (info != null) {
                r.put("model", info.model());
                r.put("optimizer", info.optimizer());
                r.put("dataset", info.dataset());
                r.put("started_ms", info.startedMs());
            }
            r.put("report", reportCommand + " --run " + r.get("run"));
        }
        List<Map<String, Object>> list = new java.util.ArrayList<>(byRun.values());
        list.sort((a, b) -> Double.compare(number(b.get("first_ms")), number(a.get("first_ms"))));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runs", list);
        out.put("catalog", catalog != RunCatalog.NONE);
        out.put("report", reportCommand);
        return out;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static Object ms(Object time) {
        return time instanceof Number n ? n.doubleValue() / 1e6 : null;
    }

    /** A server-sent event stream of {@code page}: a snapshot, then what changed, until the page closes or the server stops. */
    private void stream(HttpExchange ex, Page page) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        write(out, "retry: 1000\n\n");
        String failing = null;
        long lastWrite = System.currentTimeMillis();
        boolean snapshot = true;
        while (!closed) {
            Map<String, Object> data = null;
            String error = null;
            try {
                data = page.next();
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
            }
            if (error != null && !error.equals(failing)) {
                write(out, "event: status\ndata: " + json.writeValueAsString(Map.of("ok", false, "error", error)) + "\n\n");
                lastWrite = System.currentTimeMillis();
            } else if (error == null && failing != null) {
                write(out, "event: status\ndata: {\"ok\":true}\n\n");
                lastWrite = System.currentTimeMillis();
            }
            failing = error;
            if (data != null) {
                write(out, "event: " + (snapshot ? "snapshot" : "points") + "\ndata: " + json.writeValueAsString(data) + "\n\n");
                snapshot = false;
                lastWrite = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - lastWrite > KEEPALIVE_MS) {
                write(out, ": keepalive\n\n");
                lastWrite = System.currentTimeMillis();
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void resource(HttpExchange ex, String name) throws IOException {
        InputStream in = name == null ? null : LiveView.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            text(ex, 404, "not found\n");
            return;
        }
        byte[] body;
        try (in) {
            body = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Cache-Control", name.startsWith(UPLOT) ? "max-age=86400" : "no-cache");
        send(ex, 200, contentType(name), body);
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "text/plain; charset=utf-8";
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    /** For messages: the URI of a page. */
    public URI page(String path) {
        return URI.create(url()).resolve(path);
    }
}
