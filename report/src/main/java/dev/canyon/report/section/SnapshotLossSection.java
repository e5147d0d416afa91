package dev.canyon.report.section;

import dev.canyon.report.ModelLoss;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The training and validation loss re-evaluated by the rebuilt model at each weight snapshot, on the
 * report's fixed evaluation batches (snapshot-loss.csv). No figure of its own: {@link LossSection}
 * draws them beside the minibatch loss. Needs snapshots and the model.
 */
public final class SnapshotLossSection implements ReportSection<ReportedRun, SnapshotLossSection.Losses> {

    /**
     * The losses by snapshot step (validation NaN without a validation batch), and the examples in the
     * training evaluation batch.
     */
    public record Losses(double[] steps, double[] train, double[] validation, int trainExamples) {}

    @Override
    public String name() {
        return "losses at snapshots";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        if (run.recording().snapshots().isEmpty()) {
            return Optional.of(Skip.quietly("no weight snapshot"));
        }
        if (run.model().isEmpty()) {
            return Optional.of(Skip.quietly("the model cannot be rebuilt (left out once for the run)"));
        }
        return Optional.empty();
    }

    @Override
    public Written<Losses> write(ReportedRun run) throws IOException {
        ModelLoss model = run.model().orElseThrow();
        TreeMap<Long, float[]> snapshots = run.recording().snapshots();
        int n = snapshots.size();
        double[] steps = new double[n];
        double[] train = new double[n];
        double[] validation = new double[n];
        List<double[]> rows = new ArrayList<>();
        int i = 0;
        for (var e : snapshots.entrySet()) {
            double[] theta = ModelLoss.toDouble(e.getValue());
            steps[i] = e.getKey();
            train[i] = model.train(theta);
            validation[i] = model.validation(theta);
            rows.add(new double[] {e.getKey(), train[i], validation[i]});
            run.folder().progress().update("snapshot losses", ++i, n);
        }
        Csv.table(run.folder().data("snapshot-loss.csv"), List.of("step", "train_loss", "validation_loss"), rows);
        return Written.of(new Losses(steps, train, validation, model.trainExamples()));
    }
}
