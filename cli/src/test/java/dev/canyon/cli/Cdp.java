package dev.canyon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A small Chrome DevTools protocol client: headless Chromium started with a remote-debugging port of
 * its choosing (read from {@code DevToolsActivePort}), one page target driven over a WebSocket
 * ({@link HttpClient}'s): commands, and every console error, uncaught exception and error log entry
 * the page produced.
 */
final class Cdp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process chromium;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private Cdp(Process chromium, WebSocket socket) {
        this.chromium = chromium;
        this.socket = socket;
    }

    /** Starts headless Chromium with a profile under {@code work} and attaches to its page. */
    static Cdp start(String binary, Path work, int width, int height) throws Exception {
        Path profile = Files.createDirectories(work.resolve("chromium-cdp-profile"));
        Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height, "about:blank")
                .redirectErrorStream(true).redirectOutput(work.resolve("chromium-cdp.log").toFile()).start();
        Path active = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(active) && Files.readAllLines(active).size() >= 2)) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                p.destroyForcibly();
                throw new IllegalStateException("chromium gave no DevTools port; see " + work.resolve("chromium-cdp.log"));
            }
            Thread.sleep(100);
        }
        int port = Integer.parseInt(Files.readAllLines(active).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        String ws = null;
        for (int i = 0; i < 50 && ws == null; i++) {
            JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : list) {
                if ("page".equals(t.path("type").asText())) {
                    ws = t.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (ws == null) {
                Thread.sleep(100);
            }
        }
        if (ws == null) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium has no page target");
        }
        Listener listener = new Listener();
        WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(ws), listener)
                .get(20, TimeUnit.SECONDS);
        Cdp cdp = new Cdp(p, socket);
        listener.cdp = cdp;
        cdp.call("Runtime.enable", Map.of());
        cdp.call("Log.enable", Map.of());
        cdp.call("Page.enable", Map.of());
        cdp.call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        return cdp;
    }

    /** Sends a command and returns its result; throws when the browser answers with an error. */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        JsonNode r = f.get(60, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IllegalStateException(method + ": " + r.get("error"));
        }
        return r.path("result");
    }

    /** Navigates and waits until the document has loaded. */
    void navigate(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
        waitFor("document.readyState === 'complete'", Duration.ofSeconds(30));
    }

    /** The value of a JavaScript expression (JSON-serializable), thrown exceptions rethrown. */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("evaluating " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Waits until {@code expression} is truthy; throws with the expression after {@code timeout}. */
    void waitFor(String expression, Duration timeout) throws Exception {
        waitUntil(expression, v -> v.asBoolean(false), timeout);
    }

    JsonNode waitUntil(String expression, Predicate<JsonNode> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode v = null;
        while (System.nanoTime() < deadline) {
            try {
                v = eval(expression);
                if (ok.test(v)) {
                    return v;
                }
            } catch (IllegalStateException e) {
                v = JSON.getNodeFactory().textNode(e.getMessage());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + timeout + ": " + expression + " (last value: " + v + ")");
    }

    /** A PNG of the whole page (the viewport grown to the document's height). */
    byte[] screenshot(int width) throws Exception {
        int height = Math.min(8000, eval("Math.ceil(document.documentElement.scrollHeight)").asInt(1000));
        call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        Thread.sleep(800); // charts re-laid out by their ResizeObservers
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png"));
        return Base64.getDecoder().decode(r.path("data").asText());
    }

    /** Console errors, uncaught exceptions and error log entries, so far. */
    List<String> errors() {
        return new ArrayList<>(errors);
    }

    @Override
    public void close() {
        socket.abort();
        chromium.destroy();
        try {
            if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
                chromium.destroyForcibly();
            }
        } catch (InterruptedException e) {
            chromium.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void onMessage(String text) throws IOException {
        JsonNode m = JSON.readTree(text);
        if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        String method = m.path("method").asText();
        JsonNode p = m.path("params");
        switch (method) {
            case "Runtime.consoleAPICalled" -> {
                String type = p.path("type").asText();
                if (type.equals("error") || type.equals("assert")) {
                    errors.add("console." + type + ": " + p.path("args"));
                }
            }
            case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
            case "Log.entryAdded" -> {
                if ("error".equals(p.path("entry").path("level").asText())) {
                    errors.add("log: " + p.path("entry"));
                }
            }
            default -> { }
        }
    }

    private static final class Listener implements WebSocket.Listener {
        volatile Cdp cdp;
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    cdp.onMessage(message);
                } catch (IOException | RuntimeException e) {
                    // a message we cannot read: left out
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
