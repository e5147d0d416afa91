package dev.canyon.report.section;

import dev.canyon.report.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Chart;

/** Where sections write: {@code figures/} and {@code data/} of a report folder (the report's, or a run's {@code runs/N/}). */
public final class ReportFolder {
    private final Path figures;
    private final Path data;
    private final Progress progress;

    private ReportFolder(Path figures, Path data, Progress progress) {
        this.figures = figures;
        this.data = data;
        this.progress = progress;
    }

    /** Creates {@code figures/} and {@code data/} under {@code root}; {@code progress} hears the sections' phases. */
    public static ReportFolder create(Path root, Progress progress) throws IOException {
        return new ReportFolder(Files.createDirectories(root.resolve("figures")), Files.createDirectories(root.resolve("data")), progress);
    }

    /** The path of a CSV file under data/. */
    public Path data(String file) {
        return data.resolve(file);
    }

    public Progress progress() {
        return progress;
    }

    /** Saves {@code chart} as figures/{@code name}.png and .svg. */
    public void save(Chart<?, ?> chart, String name) throws IOException {
        progress.update("figures", 0, 0);
        Figures.save(chart, figures, name);
    }

    /** Saves {@code chart} with {@code panel} beside its plot as figures/{@code name}.png and .svg. */
    void save(org.knowm.xchart.XYChart chart, Figures.SidePanel panel, String name) throws IOException {
        progress.update("figures", 0, 0);
        Figures.save(chart, panel, figures, name);
    }

    /** The figures with only the CSV files that were written (a short run may lack some measurements). */
    public List<Figure> existing(List<Figure> figs) {
        return figs.stream().map(f -> new Figure(f.name(), f.title(), f.caption(),
                f.data().stream().filter(csv -> Files.exists(data.resolve(csv))).toList())).toList();
    }
}
