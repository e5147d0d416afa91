package dev.canyon.job;

import dev.canyon.job.kafka.RawRecord;
import dev.canyon.contract.WireFormatException;
import dev.canyon.contract.WireRecords;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Keeps the records of one run (by record key) or one experiment (by the decoded record); with
 * neither, everything. Records that do not decode are dropped when filtering by experiment (the live
 * job already dead-lettered them).
 */
final class ReplayFilter implements FilterFunction<RawRecord> {
    private static final long serialVersionUID = 1L;
    private final String run;
    private final String experiment;

    ReplayFilter(String run, String experiment) {
        this.run = run;
        this.experiment = experiment;
    }

    @Override
    public boolean filter(RawRecord r) {
        if (run != null && !run.equals(r.keyString())) {
            return false;
        }
        if (experiment != null) {
            try {
                return experiment.equals(WireRecords.decode(r.value).experimentId());
            } catch (WireFormatException e) {
                // A non-finite step is evidence of divergence: keep it, as the live job used it.
                var nonFinite = WireRecords.nonFiniteStep(r.value);
                return nonFinite != null && experiment.equals(nonFinite.getExperimentId());
            }
        }
        return true;
    }
}
