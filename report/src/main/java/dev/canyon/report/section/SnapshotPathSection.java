package dev.canyon.report.section;

import dev.canyon.kernels.crossrun.CrossRunDistances;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The path through the weight snapshots (Lipton's granularity: parameters captured every so often,
 * not every step): its length Σ‖θ_{s(i+1)} − θ_{s(i)}‖ against the displacement of its last snapshot
 * from its first. The minibatch steps' own path (distance.csv) is longer: it includes their zigzag.
 * Numbers only, no figure. Needs two snapshots.
 */
public final class SnapshotPathSection implements ReportSection<ReportedRun, SnapshotPathSection.Summary> {

    /** summary.json: snapshots, snapshot_path_length, snapshot_path_over_displacement. */
    public record Summary(int snapshots, double snapshotPathLength, double snapshotPathOverDisplacement) {}

    @Override
    public String name() {
        return "snapshot path";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        int n = run.recording().snapshots().size();
        return n < 2 ? Optional.of(Skip.quietly(n + " weight snapshot(s): no path through them")) : Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedRun run) {
        TreeMap<Long, float[]> snapshots = run.recording().snapshots();
        double length = 0;
        float[] previous = null;
        for (float[] theta : snapshots.values()) {
            if (previous != null) {
                length += CrossRunDistances.distance(previous, theta);
            }
            previous = theta;
        }
        double displacement = CrossRunDistances.distance(snapshots.firstEntry().getValue(), snapshots.lastEntry().getValue());
        return Written.of(new Summary(snapshots.size(), length, length / displacement));
    }
}
