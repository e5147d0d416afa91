package dev.canyon.report;

import java.util.List;
import java.util.Map;

/**
 * A report's headline numbers, as summary.json holds them (docs/study.md quotes them): the title, the
 * experiment's summary (null for a single run), each run's, and what was left out.
 */
public record ReportSummary(String title, ExperimentSummary experiment, List<RunSummary> runs, List<String> problems) {

    /** This summary as summary.json's object, with numbers as Java numbers (NaN kept), for text and page tables. */
    public Map<String, Object> asMap() {
        return SummaryJson.asMap(this);
    }
}
