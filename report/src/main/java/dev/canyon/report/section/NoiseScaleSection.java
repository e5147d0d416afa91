package dev.canyon.report.section;

import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.knowm.xchart.XYChart;

/**
 * The gradient noise scale (Goodfellow 2015 tutorial: noise): B_noise = tr Σ / ‖∇L‖² per window
 * ({@link WindowIndicators}; docs/metrics.md), and of each same-point gradient probe alone
 * ({@link ProbeResult.GradientNoise}). Most windows may have none: the estimate needs same-point
 * probes (on their own schedule) or a cross-batch estimate whose assumptions hold, so the figure says
 * how many there are and why the others are absent, and draws markers, not a line, when they are
 * few. A window whose same-point ‖∇L‖² is indistinguishable from zero still bounds the noise scale
 * from below: B_noise ≥ tr Σ / (U + 2·SE(U)), drawn as upward triangles ({@link #lowerBound}). The
 * run's batch size B is drawn for reference: B_noise above B means a step's gradient is mostly noise
 * (McCandlish et al. 2018). Needs window indicators.
 */
public final class NoiseScaleSection implements ReportSection<ReportedRun, Void> {

    /** Fewer window estimates than this are drawn as markers alone: a line between sparse estimates suggests values between them. */
    static final int FEW = 30;

    @Override
    public String name() {
        return "noise scale";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        Optional<Skip> none = run.without(WindowIndicators.class, Skip.quietly("no window indicators"));
        if (none.isPresent()) {
            return none;
        }
        // A short run may have no estimate at all: nothing to draw (quietly: a demo of 20 steps is not missing anything).
        boolean any = run.updates(WindowIndicators.class).stream().anyMatch(w -> Double.isFinite(w.noiseScale())
                || Double.isFinite(lowerBound(w))) || run.updates(ProbeResult.GradientNoise.class).stream().anyMatch(p -> Double.isFinite(p.noiseScale()));
        return any ? Optional.empty() : Optional.of(Skip.quietly("no noise-scale estimate in any window or same-point probe (it needs "
                + "same-point gradient probes, or a cross-batch estimate whose assumptions hold)"));
    }

    /**
     * How many windows have a noise scale, from where, and why the others have none.
     *
     * @param windows windows in all
     * @param estimated windows with an estimate
     * @param fromProbes of those, from same-point probes
     * @param probes same-point probes recorded
     * @param probeSchedule their steps in words ("at steps 1, 25, 50, ...; every 25")
     * @param absent why the other windows have none, with how many windows each reason covers, most first
     */
    record Count(int windows, int estimated, int fromProbes, int bounded, int probes, String probeSchedule, Map<String, Integer> absent) {
        /** The count in one line, for the figure. */
        String line() {
            return estimated + " of " + windows + " windows have an estimate (" + fromProbes + " from same-point probes, "
                    + (estimated - fromProbes) + " cross-batch)" + (bounded > 0 ? ", " + bounded + " a lower bound" : "") + "; " + probes
                    + " same-point probe" + (probes == 1 ? "" : "s") + (probes > 0 ? ", " + probeSchedule : "");
        }

        /** Why the other windows have none, for the caption. */
        String absentText() {
            return absent.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + (e.getValue() == 1 ? " window)" : " windows)"))
                    .collect(Collectors.joining("; "));
        }
    }

    static Count count(List<WindowIndicators> windows, List<ProbeResult.GradientNoise> probes) {
        int estimated = 0;
        int fromProbes = 0;
        int bounded = 0;
        Map<String, Integer> absent = new LinkedHashMap<>();
        for (WindowIndicators w : windows) {
            if (Double.isFinite(w.noiseScale())) {
                estimated++;
                fromProbes += w.noiseSource() == WindowIndicators.NoiseSource.PROBE ? 1 : 0;
            } else {
                absent.merge(reason(w.notes()), 1, Integer::sum);
                bounded += Double.isFinite(lowerBound(w)) ? 1 : 0;
            }
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        absent.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return new Count(windows.size(), estimated, fromProbes, bounded, probes.size(), schedule(probes), sorted);
    }

    /**
     * The lower bound on the noise scale of a window that has none because its same-point ‖∇L‖² is
     * indistinguishable from zero: tr Σ / (U + 2·SE(U)), with U the unbiased ‖∇L‖² of its probes. Since
     * ‖∇L‖² < U + 2·SE with about 97.7 % confidence (one-sided, normal approximation of U), B_noise
     * exceeds the bound with about that confidence; the error of tr Σ is left out. NaN for a window that
     * has an estimate, has no same-point probes, or whose U + 2·SE is not positive.
     */
    public static double lowerBound(WindowIndicators w) {
        if (Double.isFinite(w.noiseScale()) || w.noiseSource() != WindowIndicators.NoiseSource.ABSENT) {
            return Double.NaN;
        }
        double upper = w.gradNormSq() + 2 * w.gradNormSqStderr();
        return Double.isFinite(upper) && upper > 0 && Double.isFinite(w.noiseTrace()) && w.noiseTrace() > 0 ? w.noiseTrace() / upper
                : Double.NaN;
    }

    /** The noise-scale note of a window's notes, without its numbers: "no same-point probe, and ...". */
    static String reason(String notes) {
        for (String note : notes.split("; ")) {
            if (note.startsWith("noise scale absent: ")) {
                String r = note.substring("noise scale absent: ".length());
                int paren = r.indexOf(" (");
                return paren > 0 ? r.substring(0, paren) : r;
            }
        }
        return "not recorded";
    }

    /** The probes' steps in words: the first few, and their usual spacing. */
    static String schedule(List<ProbeResult.GradientNoise> probes) {
        if (probes.isEmpty()) {
            return "none";
        }
        List<String> first = new ArrayList<>();
        for (int i = 0; i < Math.min(4, probes.size()); i++) {
            first.add(Long.toString(probes.get(i).at().step()));
        }
        Map<Long, Integer> gaps = new LinkedHashMap<>();
        for (int i = 1; i < probes.size(); i++) {
            gaps.merge(probes.get(i).at().step() - probes.get(i - 1).at().step(), 1, Integer::sum);
        }
        String steps = "at step" + (probes.size() == 1 ? " " : "s ") + String.join(", ", first) + (probes.size() > 4 ? ", ..." : "");
        return gaps.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> steps + " (every " + e.getKey() + ")").orElse(steps);
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        List<ProbeResult.GradientNoise> probes = run.updates(ProbeResult.GradientNoise.class);
        Count count = count(windows, probes);
        List<WindowIndicators> estimated = windows.stream().filter(w -> Double.isFinite(w.noiseScale())).toList();
        List<ProbeResult.GradientNoise> probeEstimates = probes.stream().filter(p -> Double.isFinite(p.noiseScale())).toList();
        String why = "The noise scale needs same-point gradient probes (the trainer's, on their own schedule; each window uses those of "
                + "the last steps) or, without them, a cross-batch estimate whose assumptions hold (docs/metrics.md, noise_source).";
        XYChart chart = Figures.xy("Gradient noise scale B_noise = tr Σ / ‖∇L‖²", "step", "noise scale (examples)");
        double[] x = Series.of(estimated, w -> w.at().step());
        double[] y = Series.of(estimated, WindowIndicators::noiseScale);
        String windowName = "window estimate (" + estimated.size() + " of " + windows.size() + " windows)";
        boolean few = estimated.size() < FEW;
        if (few && !estimated.isEmpty()) {
            Figures.markers(chart, windowName, x, y, Figures.PALETTE[0]);
        } else if (!few) {
            // Every window, NaN where it has no estimate: the line breaks there instead of bridging the gap.
            Figures.colored(Figures.points(chart, windowName, Series.of(windows, w -> w.at().step()),
                    Series.of(windows, WindowIndicators::noiseScale)), Figures.PALETTE[0]);
            chart.getStyler().setMarkerSize(4);
        }
        List<WindowIndicators> bounded = windows.stream().filter(w -> Double.isFinite(lowerBound(w))).toList();
        if (!bounded.isEmpty()) {
            Figures.markers(chart, "lower bound (" + bounded.size() + " windows)",
                    Series.of(bounded, w -> w.at().step()), Series.of(bounded, NoiseScaleSection::lowerBound), Figures.PALETTE[2])
                    .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.TRIANGLE_UP);
        }
        int batch = run.recording().started() == null ? 0 : run.recording().started().getBatchSize();
        if (batch > 0) {
            Figures.level(chart, "batch size B = " + batch, windows.get(0).at().step(), windows.get(windows.size() - 1).at().step(), batch,
                    java.awt.Color.GRAY);
        }
        if (!probeEstimates.isEmpty()) {
            Figures.markers(chart, "single probe (" + probeEstimates.size() + " of " + probes.size() + ")",
                    Series.of(probeEstimates, p -> p.at().step()), Series.of(probeEstimates, ProbeResult.GradientNoise::noiseScale),
                    Figures.PALETTE[1]).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.DIAMOND);
        }
        Figures.logIfPositive(chart);
        Figures.headroom(chart, 0.12);
        chart.addAnnotation(new Figures.Note(count.line()));
        run.folder().save(chart, "noise-scale");
        List<String> csv = new ArrayList<>(List.of("indicators.csv"));
        if (!probes.isEmpty()) {
            csv.add("gradient_noise.csv");
        }
        if (!bounded.isEmpty()) {
            List<double[]> rows = new ArrayList<>();
            for (WindowIndicators w : bounded) {
                rows.add(new double[] {w.at().step(), w.gradNormSq(), w.gradNormSqStderr(), w.noiseTrace(), lowerBound(w)});
            }
            Csv.table(run.folder().data("noise-scale-lower-bound.csv"),
                    List.of("step", "grad_norm_sq", "grad_norm_sq_stderr", "noise_trace", "noise_scale_lower_bound"), rows);
            csv.add("noise-scale-lower-bound.csv");
        }
        return Written.of(null, new Figure("noise-scale", "Gradient noise scale " + Reference.GOODFELLOW_TUTORIAL_2015.cite("noise"),
                "B_noise = tr Σ / ‖∇L‖², the variance of the per-example gradients over the squared norm of their mean, in "
                        + "examples (see docs/metrics.md). " + why + " " + count.line() + "."
                        + (count.absent().isEmpty() ? "" : " The other windows have none: " + count.absentText() + ".")
                        + (few ? " Markers without a line: the estimates are too few to join." : " The line breaks where windows have "
                                + "no estimate.")
                        + (bounded.isEmpty() ? "" : " Triangles: windows whose same-point ‖∇L‖² (U) is indistinguishable from zero "
                                + "have no estimate, but their noise scale is at least tr Σ / (U + 2·SE(U)), with about 97.7 % "
                                + "confidence (one-sided, normal approximation; the error of tr Σ left out).")
                        + (batch > 0 ? " Dashed: the batch size B = " + batch + "; a noise scale above B means a step's gradient is "
                                + "mostly noise, and a larger batch would still make faster progress per step (McCandlish et al. 2018)."
                                : "")
                        + (probeEstimates.isEmpty() ? "" : " Diamonds: the noise scale of each same-point probe on its own (only where "
                                + "its ‖∇L‖² is more than two standard errors above zero)."),
                csv));
    }
}
