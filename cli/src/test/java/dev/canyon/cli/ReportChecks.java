package dev.canyon.cli;

import dev.canyon.contract.Measurements;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Measurements;
import dev.canyon.storage.InfluxStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** What a written report must satisfy: valid figures, a page whose links all resolve, CSV equal to what the stream stored. */
final class ReportChecks {
    private static final Pattern LINK = Pattern.compile("(?:src|href)=\"([^\"]+)\"");

    private ReportChecks() {}

    /** Every PNG under {@code dir} decodes, is {@code width} × {@code height}, and is not blank; returns how many. */
    static int figuresAreValid(Path dir, int width, int height) throws IOException {
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(dir)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
        }
        for (Path png : pngs) {
            pngIsValid(png, width, height);
            Path svg = png.resolveSibling(png.getFileName().toString().replace(".png", ".svg"));
            assertThat(svg).as("SVG beside %s", png).exists();
            assertThat(Files.readString(svg)).as("%s", svg).contains("<svg");
        }
        return pngs.size();
    }

    /** {@code png} decodes, is {@code width} × {@code height}, and is not blank. */
    static void pngIsValid(Path png, int width, int height) throws IOException {
        {
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image).as("%s decodes as an image", png).isNotNull();
            assertThat(image.getWidth()).as("%s width", png).isEqualTo(width);
            assertThat(image.getHeight()).as("%s height", png).isEqualTo(height);
            // Not blank: many colours, and at least 2 % of the pixels differ from the background (top-left pixel).
            Set<Integer> colours = new HashSet<>();
            int background = image.getRGB(0, 0);
            long drawn = 0;
            for (int y = 0; y < image.getHeight(); y += 2) {
                for (int x = 0; x < image.getWidth(); x += 2) {
                    int rgb = image.getRGB(x, y);
                    colours.add(rgb);
                    drawn += rgb != background ? 1 : 0;
                }
            }
            assertThat(colours.size()).as("%s distinct colours", png).isGreaterThan(8);
            assertThat(drawn).as("%s pixels drawn", png).isGreaterThan((long) (0.02 * image.getWidth() * image.getHeight() / 4));
        }
    }

    /** Every src and href of the page is a relative path to a file that exists; returns the image sources. */
    static List<String> linksResolve(Path index) throws IOException {
        String html = Files.readString(index, StandardCharsets.UTF_8);
        Matcher m = LINK.matcher(html);
        List<String> images = new ArrayList<>();
        int links = 0;
        while (m.find()) {
            String ref = m.group(1).replace("&amp;", "&").replace("&quot;", "\"");
            if (ref.startsWith("#")) {
                continue;
            }
            links++;
            assertThat(ref).as("links stay inside the report folder").doesNotContain("://").doesNotStartWith("/").doesNotContain("..");
            assertThat(index.resolveSibling(ref)).as("%s referenced by %s", ref, index).isRegularFile();
            if (html.substring(Math.max(0, m.start() - 5), m.start()).contains("<img")) {
                images.add(ref);
            }
        }
        assertThat(links).isGreaterThan(0);
        return images;
    }

    /**
     * The CSV of each measurement the live job wrote for {@code run} holds exactly its points: same
     * count, and in time order every field equal (numbers exactly: both sides are the same doubles).
     * Returns the number of values compared.
     */
    static long csvEqualsStored(Path data, InfluxStore store, String run, List<String> measurements) throws IOException {
        long compared = 0;
        for (String m : measurements) {
            Path csv = data.resolve(m + ".csv");
            List<Map<String, Object>> stored = store.rows("SELECT * FROM " + InfluxStore.quoteIdentifier(m) + " WHERE run = '" + run + "'");
            if (stored.isEmpty()) {
                assertThat(csv).as("no %s points stored, so no CSV", m).doesNotExist();
                continue;
            }
            assertThat(csv).as("CSV of %s", m).exists();
            List<List<String>> rows = parse(Files.readString(csv, StandardCharsets.UTF_8));
            List<String> header = rows.get(0);
            List<List<String>> body = new ArrayList<>(rows.subList(1, rows.size()));
            // Points of one time differ in their tags (histograms: one per layer and kind at a step), and InfluxDB returns
            // those in no documented order: both sides are put in order of time, then of the tag columns (the CSV's
            // columns between time_ns and step).
            int tagsEnd = Math.max(1, header.indexOf(Measurements.FIELD_STEP));
            body.sort((a, b) -> {
                int byTime = Long.compare(Long.parseLong(a.get(0)), Long.parseLong(b.get(0)));
                for (int c = 1; byTime == 0 && c < tagsEnd; c++) {
                    byTime = a.get(c).compareTo(b.get(c));
                }
                return byTime;
            });
            stored = new ArrayList<>(stored);
            stored.sort((a, b) -> {
                int byTime = Double.compare(((Number) a.get("time")).doubleValue(), ((Number) b.get("time")).doubleValue());
                for (int c = 1; byTime == 0 && c < tagsEnd; c++) {
                    byTime = String.valueOf(a.getOrDefault(header.get(c), "")).compareTo(String.valueOf(b.getOrDefault(header.get(c), "")));
                }
                return byTime;
            });
            assertThat(body).as("rows of %s", m).hasSize(stored.size());
            for (int r = 0; r < body.size(); r++) {
                Map<String, Object> point = stored.get(r);
                for (int c = 1; c < header.size(); c++) {
                    String column = header.get(c);
                    String cell = body.get(r).get(c);
                    Object value = point.get(column);
                    if (value == null) {
                        assertThat(cell).as("%s row %d column %s (absent in InfluxDB)", m, r, column).isEmpty();
                    } else if (value instanceof Number n) {
                        assertThat(Double.parseDouble(cell)).as("%s row %d column %s", m, r, column).isEqualTo(n.doubleValue());
                    } else {
                        assertThat(cell).as("%s row %d column %s", m, r, column).isEqualTo(value.toString());
                    }
                    compared++;
                }
            }
        }
        return compared;
    }

    /** RFC 4180 CSV (quoted cells may hold commas, quotes and newlines). */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (ch == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                cell.append(ch);
            }
        }
        if (cell.length() > 0 || !row.isEmpty()) {
            row.add(cell.toString());
            rows.add(row);
        }
        return rows;
    }

    /** The Chromium binary (Debian's chromium package), or null. */
    static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }

    /**
     * Opens {@code page} in an iframe of a probe page in headless Chromium and returns what the probe
     * reports: "IMAGES n BROKEN k src...", images counted broken when not loaded or of natural width 0.
     */
    static String imagesInChromium(String chromium, Path page, Path work) throws IOException, InterruptedException {
        Path probe = work.resolve("probe.html");
        Files.writeString(probe, "<!DOCTYPE html><html><body><div id=\"out\">PENDING</div>\n"
                + "<iframe id=\"f\" src=\"" + page.toUri() + "\" width=\"1100\" height=\"800\"></iframe>\n"
                + "<script>\ndocument.getElementById('f').addEventListener('load', function () {\n"
                + "  var imgs = this.contentDocument.images, broken = [];\n"
                + "  for (var i = 0; i < imgs.length; i++) {\n"
                + "    if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken.push(imgs[i].getAttribute('src'));\n"
                + "  }\n"
                + "  document.getElementById('out').textContent = 'RESULT IMAGES ' + imgs.length + ' BROKEN ' + broken.length + ' ' + broken.join(' ');\n"
                + "});\n</script></body></html>\n");
        String dom = run(chromium, work, "--allow-file-access-from-files", "--virtual-time-budget=15000", "--dump-dom", probe.toUri().toString());
        Matcher m = Pattern.compile("RESULT (IMAGES [^<]*)").matcher(dom);
        return m.find() ? m.group(1).trim() : "no result in: " + dom.substring(0, Math.min(400, dom.length()));
    }

    /** A full-page screenshot of {@code page} by headless Chromium. */
    static Path screenshot(String chromium, Path page, Path work, int width, int height) throws IOException, InterruptedException {
        Path shot = work.resolve("screenshot.png");
        run(chromium, work, "--screenshot=" + shot, "--window-size=" + width + "," + height, page.toUri().toString());
        return shot;
    }

    private static String run(String chromium, Path work, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + work.resolve("chromium-profile")));
        cmd.addAll(List.of(args));
        Path out = work.resolve("chromium.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out.toFile())
                .redirectError(work.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish in 120 s: " + cmd);
        }
        return Files.readString(out);
    }
}
