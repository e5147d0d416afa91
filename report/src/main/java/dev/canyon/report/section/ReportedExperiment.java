package dev.canyon.report.section;

import dev.canyon.report.Recording;
import dev.canyon.report.RunRecording;
import dev.canyon.trainer.Experiment;
import java.util.ArrayList;
import java.util.List;

/**
 * An experiment as its sections see it: the recording (runs and cross-run distances), the runs in
 * page order with their labels, which runs enter the aggregates, and the folder to write to.
 *
 * @param labels "run N", with the run's role when it says more ("run 1 (parent)")
 * @param aggregated per run, whether it enters the aggregates (CVs, mean pairwise distance): a clone
 *     parent is compared at its own steps with clones that are further along, so it does not
 */
public record ReportedExperiment(Recording recording, List<RunRecording> runs, List<String> labels, List<Boolean> aggregated,
        ReportFolder folder) {

    /** The runs of {@code recording} in page order, labelled. */
    public static ReportedExperiment of(Recording recording, List<RunRecording> runs, ReportFolder folder) {
        List<String> labels = new ArrayList<>();
        List<Boolean> aggregated = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRecording r = runs.get(i);
            String role = r.started() == null ? null : r.started().getLabelsMap().get(Experiment.LABEL_ROLE);
            labels.add("run " + (i + 1) + (role == null || role.equals("run-" + (i + 1)) ? "" : " (" + role + ")"));
            aggregated.add(!"parent".equals(role));
        }
        return new ReportedExperiment(recording, List.copyOf(runs), List.copyOf(labels), List.copyOf(aggregated), folder);
    }
}
