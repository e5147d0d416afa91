package dev.canyon.report;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.report.section.DistancesSection;
import dev.canyon.report.section.EscapeSection;
import dev.canyon.report.section.HessianSection;
import dev.canyon.report.section.LinearPathSection;
import dev.canyon.report.section.LossSection;
import dev.canyon.report.section.SnapshotPathSection;
import dev.canyon.report.section.SubspaceSection;
import dev.canyon.report.section.TrajectorySection;

/**
 * One run's entry in summary.json: who it is, how it was trained, how many steps the analytics took
 * and rejected, then each section's summary, flattened into the same object in page order (a section
 * that was skipped contributes no keys). Key names are the components' in snake case.
 *
 * @param folder where the run's figures and data are, relative to the report ("." for a single run)
 * @param setup the run-started record's model and optimizer (null, so no keys, without one)
 */
public record RunSummary(String run, String experiment, String folder, @JsonUnwrapped Setup setup, long steps, long recordsRejected,
        @JsonUnwrapped SnapshotPathSection.Summary snapshotPath, @JsonUnwrapped LossSection.Summary loss,
        @JsonUnwrapped TrajectorySection.Summary trajectory, @JsonUnwrapped LinearPathSection.Summary linearPath,
        @JsonUnwrapped SubspaceSection.Summary subspace, @JsonUnwrapped DistancesSection.Summary distances,
        @JsonUnwrapped HessianSection.Summary hessian, @JsonUnwrapped EscapeSection.Summary escape) {

    /** What the run-started record says about the model and its training. */
    public record Setup(String model, String dataset, String optimizer, double learningRate, int batchSize, long parameters) {

        /** The setup of {@code started}, or null without a run-started record. */
        static Setup of(RunStarted started) {
            return started == null ? null : new Setup(started.getModel(), started.getDataset(), started.getOptimizer(),
                    started.getLearningRate(), started.getBatchSize(), started.getParameterCount());
        }
    }
}
