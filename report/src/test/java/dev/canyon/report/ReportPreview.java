package dev.canyon.report;

import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Schedule;
import java.nio.file.Path;

/**
 * Not a test: writes the report of a demo-like run (the 784-64-10 MLP on Fashion-MNIST, SGD η 0.05,
 * batch 64, probes 'economy' with a snapshot every 100 steps, as {@code canyon demo} trains it) to
 * {@code <folder>/run}, and of an experiment of three such runs from different initializations (half
 * the steps, no probes) to {@code <folder>/experiment}, to look at every figure (docs/report.md shows
 * them). Arguments: the folder, then the steps (default 1000). Run with the report module's test
 * classpath and the JVM options of jvm-opens.args.
 */
public final class ReportPreview {
    private ReportPreview() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        long steps = args.length > 1 ? Long.parseLong(args[1]) : 1000;
        ModelRecipe mlp = new ModelRecipe("mlp", "fashion-mnist", 64, 42);
        Path fashion = Path.of(dev.canyon.trainer.data.FashionMnist.DEFAULT_DIR);
        ProbePlan plan = ProbePlan.ECONOMY.toBuilder().snapshots(Schedule.every(100)).build();
        Recording run = TrainedRecording.train(mlp, 60_000, 64, 0.05, steps, plan, 42);
        Report.write(run, new Report.Options(out.resolve("run"), fashion, 25, 1000), (phase, done, total) -> {});
        // An experiment: three runs from different initializations, for the figures that compare runs.
        Recording experiment = TrainedRecording.experiment(mlp, 60_000, 64, 0.05, steps / 2, ProbePlan.OFF, 42, "preview", 3);
        Report.write(experiment, new Report.Options(out.resolve("experiment"), fashion, 0, 1000), (phase, done, total) -> {});
        System.out.println("reports: " + out.resolve("run/index.html") + " and " + out.resolve("experiment/index.html"));
    }
}
