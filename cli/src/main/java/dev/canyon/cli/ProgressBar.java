package dev.canyon.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on standard error. On a terminal it redraws in place; otherwise (CI,
 * pipes) it prints a line at every 10%.
 */
final class ProgressBar {
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
        double frac = Math.min(1, done / (double) total);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        String rate = secs > 0 ? String.format("%.1f/s", done / secs) : "";
        if (tty) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int width = 30;
            int filled = (int) Math.round(frac * width);
            out.printf("\r%s [%s%s] %d/%d %s %s", label, "#".repeat(filled), ".".repeat(width - filled), done, total, rate,
                    detail);
            if (done >= total) {
                out.println();
            }
        } else {
            int decile = (int) Math.floor(frac * 10);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.printf("%s %3d%% %d/%d %s %s%n", label, decile * 10, done, total, rate, detail);
            }
        }
        out.flush();
    }
}
