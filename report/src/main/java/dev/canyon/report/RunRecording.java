package dev.canyon.report;

import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.storage.StoredPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One recorded run as the report sees it: its run records, the points the stream's analytics compute
 * from its steps and probes (the same {@link RunAnalyzer}, so the same numbers the live job stored),
 * its alert transitions, its positions at aligned steps, and its full weight snapshots.
 */
public final class RunRecording {
    final String runId;
    RunStarted started;
    RunEnded ended;
    final Map<String, List<StoredPoint>> points = new LinkedHashMap<>();
    final List<RunAnalyzer.Transition> alerts = new ArrayList<>();
    final List<RunAnalyzer.Position> positions = new ArrayList<>();
    final TreeMap<Long, float[]> snapshots = new TreeMap<>();
    long stepsAccepted;
    long recordsRejected;
    RunAnalyzer analyzer;

    RunRecording(String runId) {
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }

    public String experimentId() {
        return started != null ? started.getExperimentId() : "";
    }

    /** The run-started record, or null when the runs topic holds none for this run. */
    public RunStarted started() {
        return started;
    }

    /** The run-ended record, or null while the run is still going (or never ended cleanly). */
    public RunEnded ended() {
        return ended;
    }

    /** The stream's points of {@code measurement} for this run, in the order the analytics produced them. */
    public List<StoredPoint> points(String measurement) {
        return points.getOrDefault(measurement, List.of());
    }

    /** Every measurement with points. */
    public Map<String, List<StoredPoint>> allPoints() {
        return points;
    }

    public List<RunAnalyzer.Transition> alerts() {
        return alerts;
    }

    /** θ_t at aligned steps, in the run's analytics space (full, half, or the stream's sketch). */
    public List<RunAnalyzer.Position> positions() {
        return positions;
    }

    /** Full weight snapshots θ_t by step (step 0 is θ_0). */
    public TreeMap<Long, float[]> snapshots() {
        return snapshots;
    }

    public long stepsAccepted() {
        return stepsAccepted;
    }

    public long recordsRejected() {
        return recordsRejected;
    }

    void add(RunAnalyzer.Output out) {
        for (StoredPoint p : out.points) {
            points.computeIfAbsent(p.measurement(), m -> new ArrayList<>()).add(p);
        }
        alerts.addAll(out.alerts);
        positions.addAll(out.positions);
    }
}
