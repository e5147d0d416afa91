package dev.canyon.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.storage.InfluxConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The server without InfluxDB: static files from the jar, read-only, loopback, Host checked. */
class LiveViewTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesItsPagesAndUplotFromTheJarAndRefusesEverythingButGet() throws Exception {
        try (LiveView view = LiveView.start(InfluxConfig.of("http://127.0.0.1:9"), 0, RunCatalog.NONE, "./canyon report")) {
            assertThat(view.url()).startsWith("http://127.0.0.1:");
            HttpResponse<String> runs = get(view, "/");
            assertThat(runs.statusCode()).isEqualTo(200);
            assertThat(runs.body()).contains("/assets/uPlot.iife.min.js", "/assets/runs.js");
            assertThat(get(view, "/run/run-1").body()).contains("/assets/run.js");
            assertThat(get(view, "/experiment/demo").body()).contains("/assets/experiment.js");
            HttpResponse<String> uplot = get(view, "/assets/uPlot.iife.min.js");
            assertThat(uplot.statusCode()).isEqualTo(200);
            assertThat(uplot.body()).contains("uPlot");
            assertThat(uplot.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
            for (String asset : new String[] {"common.js", "run.js", "runs.js", "experiment.js", "app.css", "uPlot.min.css"}) {
                assertThat(get(view, "/assets/" + asset).statusCode()).as(asset).isEqualTo(200);
            }
            assertThat(get(view, "/assets/../LiveView.class").statusCode()).isEqualTo(404);
            assertThat(get(view, "/nothing").statusCode()).isEqualTo(404);
            assertThat(get(view, "/run/bad%20id%0A").statusCode()).isEqualTo(404);
            for (String method : new String[] {"POST", "PUT", "DELETE", "HEAD", "OPTIONS"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(view.url() + "api/runs"))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(method).isEqualTo(405);
                assertThat(r.headers().firstValue("Allow")).hasValue("GET");
            }
            // InfluxDB away: the API says so with an error, the server goes on.
            assertThat(get(view, "/api/runs").statusCode()).isEqualTo(500);
            assertThat(get(view, "/").statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(LiveView view, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + view.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
