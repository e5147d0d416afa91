package dev.canyon.report.section;

import dev.canyon.analytics.update.Update;
import dev.canyon.report.ModelLoss;
import dev.canyon.report.Report;
import dev.canyon.report.RunRecording;
import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.data.TrainingData;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A run as its sections see it: the recording (typed updates, snapshots, positions), the folder they
 * write to, the report's options, and the run's model, rebuilt once on first use for the sections
 * that re-evaluate the loss (losses at snapshots, the subspace view).
 */
public final class ReportedRun {
    private final RunRecording recording;
    private final ReportFolder folder;
    private final Report.Options options;
    private final Consumer<String> problems;
    private Optional<ModelLoss> model;

    /**
     * @param problems receives what is left out, as the page's "Left out" box shows it ("run ID: reason")
     */
    public ReportedRun(RunRecording recording, ReportFolder folder, Report.Options options, Consumer<String> problems) {
        this.recording = recording;
        this.folder = folder;
        this.options = options;
        this.problems = problems;
    }

    public RunRecording recording() {
        return recording;
    }

    /** The run's updates of {@code type}, in the order the analytics produced them. */
    public <T extends Update> List<T> updates(Class<T> type) {
        return recording.updates(type);
    }

    /** {@code skip} when the run has no update of {@code type} (what a section needs), else nothing. */
    public Optional<Skip> without(Class<? extends Update> type, Skip skip) {
        return updates(type).isEmpty() ? Optional.of(skip) : Optional.empty();
    }

    public ReportFolder folder() {
        return folder;
    }

    public Report.Options options() {
        return options;
    }

    /** Notes {@code reason} in the page's "Left out" box. */
    public void leftOut(String reason) {
        problems.accept("run " + recording.runId() + ": " + reason);
    }

    /**
     * The run's model on the report's evaluation batches; empty (and noted as left out, once) when the
     * run-started record carries no recipe labels or the model cannot be rebuilt.
     */
    public Optional<ModelLoss> model() {
        if (model == null) {
            model = rebuild();
        }
        return model;
    }

    private Optional<ModelLoss> rebuild() {
        var started = recording.started();
        if (started == null) {
            return Optional.empty();
        }
        try {
            Optional<ModelRecipe> recipe = ModelRecipe.of(started.getModel(), started.getDataset(), started.getLabelsMap());
            if (recipe.isEmpty()) {
                leftOut("model '" + started.getModel() + "' on '" + started.getDataset()
                        + "' carries no recipe labels, so losses at snapshots and the subspace view are left out");
                return Optional.empty();
            }
            ModelRecipe r = recipe.get();
            TrainingData train = r.trainingData(options.fashionMnistDir(), options.evalExamples());
            TrainingData validation = r.validationData(options.fashionMnistDir(), options.evalExamples());
            return Optional.of(new ModelLoss(r, started.getParameterCount(), r.batch(train, options.evalExamples()),
                    validation == null ? null : r.batch(validation, options.evalExamples())));
        } catch (RuntimeException e) {
            leftOut("cannot rebuild the model: " + e.getMessage());
            return Optional.empty();
        }
    }
}
