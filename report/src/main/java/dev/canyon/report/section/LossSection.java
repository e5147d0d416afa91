package dev.canyon.report.section;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;

/**
 * The loss over steps: the minibatch loss of every step ({@link StepMeasured}), the loss re-evaluated
 * by the rebuilt model at each weight snapshot ({@link SnapshotLossSection}), the obstacle states
 * ({@link ObstacleDecision}) as bands and the stall alerts ({@link AlertTransition}) as marks. Needs
 * steps; the rest is drawn when present.
 */
public final class LossSection implements ReportSection<ReportedRun, LossSection.Summary> {
    private final SnapshotLossSection.Losses snapshotLosses;

    /** @param snapshotLosses the losses at snapshots to draw, or null without them */
    public LossSection(SnapshotLossSection.Losses snapshotLosses) {
        this.snapshotLosses = snapshotLosses;
    }

    /**
     * summary.json: last_minibatch_loss (the loss of the last step's own minibatch: one noisy sample),
     * final_train_loss (the training loss of the weights at the last snapshot, re-evaluated by the rebuilt
     * model over final_train_loss_examples examples), final_validation_loss (at the last snapshot; these
     * three absent without snapshot losses), obstacle_states
     * (decisions per state), final_obstacle_state and alerts ("stall opens at step 40"); absent
     * without decisions or alerts.
     */
    public record Summary(double lastMinibatchLoss, Double finalTrainLoss, Integer finalTrainLossExamples, Double finalValidationLoss, Map<String, Integer> obstacleStates,
            String finalObstacleState, List<String> alerts) {}

    @Override
    public String name() {
        return "loss";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(StepMeasured.class, Skip.leftOut("no steps recorded, so no loss figure"));
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        List<StepMeasured> steps = run.updates(StepMeasured.class);
        XYChart chart = Figures.xy("Loss", "step", "loss");
        // Lines in colours no state band has; the losses at snapshots as markers alone (snapshots are 100s of steps apart).
        Figures.colored(Figures.line(chart, "minibatch loss", Series.of(steps, s -> s.at().step()), Series.of(steps, StepMeasured::loss)),
                Figures.OVER_BANDS[0]).setLineWidth(1f);
        double lastMinibatchLoss = Series.lastFinite(steps, StepMeasured::loss);
        Double finalValidationLoss = null;
        Double finalTrainLoss = null;
        Integer finalTrainLossExamples = null;
        List<String> csv = new ArrayList<>(List.of("training.csv"));
        if (snapshotLosses != null) {
            double[] x = snapshotLosses.steps();
            double[] tr = snapshotLosses.train();
            double[] va = snapshotLosses.validation();
            Figures.markers(chart, "train loss (" + snapshotLosses.trainExamples() + " examples, at snapshots)", x, tr,
                    Figures.OVER_BANDS[1]);
            if (Series.anyFinite(va)) {
                Figures.markers(chart, "validation loss (at snapshots)", x, va, Figures.OVER_BANDS[2])
                        .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.DIAMOND);
                finalValidationLoss = va[va.length - 1];
            }
            finalTrainLoss = tr[tr.length - 1];
            finalTrainLossExamples = snapshotLosses.trainExamples();
            csv.add("snapshot-loss.csv");
        }
        Map<String, Integer> obstacleStates = null;
        String finalObstacleState = null;
        String bandsNote = " No obstacle state was recorded.";
        List<ObstacleDecision> obstacle = run.updates(ObstacleDecision.class);
        if (!obstacle.isEmpty()) {
            int n = obstacle.size();
            double[] from = new double[n];
            double[] to = new double[n];
            String[] state = new String[n];
            obstacleStates = new TreeMap<>();
            // Each decision's band covers the steps since the previous one; the first covers its window.
            List<WindowIndicators> indicators = run.updates(WindowIndicators.class);
            double window = indicators.isEmpty() ? 0 : indicators.get(0).windowSteps();
            for (int i = 0; i < n; i++) {
                to[i] = obstacle.get(i).at().step();
                from[i] = i > 0 ? to[i - 1] : Math.max(0, to[i] - window);
                state[i] = obstacle.get(i).state().name();
                obstacleStates.merge(state[i], 1, Integer::sum);
            }
            chart.addAnnotation(new Figures.Bands(from, to, state));
            finalObstacleState = state[n - 1];
            bandsNote = String.format(Locale.ROOT, " The first state is decided at step %d, once the analytics' window of steps is "
                    + "full; the steps before it have no band.", (long) to[0]);
            csv.add("obstacle.csv");
        }
        List<String> alertList = null;
        List<AlertTransition> alerts = run.updates(AlertTransition.class);
        if (!alerts.isEmpty()) {
            double[] at = new double[alerts.size()];
            String[] label = new String[alerts.size()];
            boolean[] open = new boolean[alerts.size()];
            alertList = new ArrayList<>();
            for (int i = 0; i < alerts.size(); i++) {
                AlertTransition a = alerts.get(i);
                at[i] = a.at().step();
                open[i] = a.open();
                label[i] = a.kind().name().toLowerCase(Locale.ROOT) + (open[i] ? " opens" : " resolves");
                alertList.add(label[i] + " at step " + a.at().step());
            }
            chart.addAnnotation(new Figures.Marks(at, label, open));
            csv.add("alerts.csv");
        }
        run.folder().save(chart, "loss");
        return Written.of(new Summary(lastMinibatchLoss, finalTrainLoss, finalTrainLossExamples, finalValidationLoss, obstacleStates, finalObstacleState, alertList),
                new Figure("loss", "Loss over steps",
                        "Minibatch loss at every step (the loss of the batch before the step), the loss re-evaluated at each weight "
                                + "snapshot on fixed training and validation examples (markers), the stream's obstacle state as bands "
                                + "(each window's state over the steps since the previous point) and stall alerts as dashed lines (red: "
                                + "opens, green: resolves)." + bandsNote + (alertList == null ? " No alert was raised." : ""), csv));
    }
}
