package dev.canyon.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error: {@code train  37% 370/1000  52.3/s  ETA 12s}. On a
 * terminal it redraws in place (at most 10 times a second); otherwise (CI, pipes) it prints a line
 * each time another tenth is done. The percentage is the exact integer part; the rate and the time
 * remaining appear once they mean something: after {@value #RATE_AFTER_SECONDS} s and {@value
 * #RATE_AFTER_ITEMS} items (a rate over the first few milliseconds is noise).
 */
final class ProgressBar {
    /** Seconds of progress before a rate and a time remaining are shown. */
    static final double RATE_AFTER_SECONDS = 1.0;
    /** Items done before a rate and a time remaining are shown. */
    static final long RATE_AFTER_ITEMS = 3;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean tty;
    private final long startNanos = System.nanoTime();
    private int lastDecile = -1;
    private long lastDraw;

    ProgressBar(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.tty = System.console() != null;
    }

    void update(long done, String detail) {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        if (tty) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            out.print("\r" + label + " " + bar(done, total) + " " + body(done, total, secs, detail) + "\u001b[K");
            if (done >= total) {
                out.println();
            }
        } else {
            int decile = (int) Math.floor(Math.min(1, done / (double) total) * 10);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(line(label, done, total, secs, detail));
            }
        }
        out.flush();
    }

    /**
     * The progress line: label, integer percent, done/total, then (once {@link #RATE_AFTER_SECONDS}
     * and {@link #RATE_AFTER_ITEMS} are passed) the rate and the time remaining, or the time taken
     * once done; then {@code detail}.
     */
    static String line(String label, long done, long total, double seconds, String detail) {
        return label + " " + body(done, total, seconds, detail);
    }

    private static String body(long done, long total, double seconds, String detail) {
        long t = Math.max(1, total);
        long d = Math.max(0, Math.min(done, t));
        int percent = (int) (100 * d / t);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%3d%% %d/%d", percent, d, t));
        if (d >= t) {
            sb.append("  done in ").append(duration(seconds));
        } else if (seconds >= RATE_AFTER_SECONDS && d >= RATE_AFTER_ITEMS) {
            double rate = d / seconds;
            sb.append("  ").append(rate(rate)).append("/s  ETA ").append(duration((t - d) / rate));
        }
        if (detail != null && !detail.isBlank()) {
            sb.append("  ").append(detail);
        }
        return sb.toString();
    }

    /** A rate with three significant digits at most: 0.512, 5.12, 51.2, 512, 5120. */
    static String rate(double r) {
        if (r >= 100) {
            return String.format(Locale.ROOT, "%.0f", r);
        }
        return String.format(Locale.ROOT, r >= 10 ? "%.1f" : r >= 1 ? "%.2f" : "%.3f", r);
    }

    /** Seconds as 7s, 2m05s or 1h02m. */
    static String duration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private static String bar(long done, long total) {
        int width = 30;
        int filled = (int) Math.round(Math.min(1, done / (double) total) * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }
}
