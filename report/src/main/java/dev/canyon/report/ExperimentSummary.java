package dev.canyon.report;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.canyon.report.section.PairwiseDistancesSection;
import dev.canyon.report.section.RunsOverlaidSection;
import java.util.List;

/**
 * An experiment's entry in summary.json: its runs' ids and labels in page order, then its sections'
 * summaries, flattened.
 */
public record ExperimentSummary(List<String> runs, List<String> labels, @JsonUnwrapped RunsOverlaidSection.Summary overlaid,
        @JsonUnwrapped PairwiseDistancesSection.Summary pairwise) {}
