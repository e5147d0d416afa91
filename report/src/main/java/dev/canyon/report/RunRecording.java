package dev.canyon.report;

import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One recorded run as the report sees it: its run records, the typed updates the stream's analytics
 * compute from its steps and probes (the same {@link RunAnalyzer}, so the same numbers the live job
 * stored), among them its alert transitions and its positions at aligned steps, and its full weight
 * snapshots.
 */
public final class RunRecording {
    final String runId;
    RunStarted started;
    RunEnded ended;
    /** The raw run-started record, as the handler takes it. */
    byte[] startedValue;
    final List<Update> updates = new ArrayList<>();
    final TreeMap<Long, float[]> snapshots = new TreeMap<>();
    /** θ_0 in the positions' space (the analytics' own), or null when the run-started record brought none. */
    float[] initialPosition;
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

    /** Every update the analytics produced for this run, in order. */
    public List<Update> updates() {
        return updates;
    }

    /** The updates of type {@code type}, in order. */
    public <T extends Update> List<T> updates(Class<T> type) {
        return updates.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public List<AlertTransition> alerts() {
        return updates(AlertTransition.class);
    }

    /** θ_t at aligned steps, in the run's analytics space (full, half, or the stream's sketch). */
    public List<Position> positions() {
        return updates(Position.class);
    }

    /**
     * θ_0 in the space of {@link #positions()} (what a position at step 0 would be: the analytics keep it
     * from the run-started record), or null when the run's record carried none.
     */
    public float[] initialPosition() {
        return initialPosition;
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

    void add(List<Update> out) {
        updates.addAll(out);
    }
}
