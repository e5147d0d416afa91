package dev.canyon.report;

import dev.canyon.storage.StoredPoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The runs a report covers (one run, or the runs of one experiment) and their cross-run distances. */
public final class Recording {
    final Map<String, RunRecording> runs = new LinkedHashMap<>();
    final List<dev.canyon.analytics.update.CrossRunDistance> crossRun = new ArrayList<>();
    final String title;

    Recording(String title) {
        this.title = title;
    }

    /** What the report is about: "run X" or "experiment Y". */
    public String title() {
        return title;
    }

    public Collection<RunRecording> runs() {
        return runs.values();
    }

    public RunRecording run(String id) {
        return runs.get(id);
    }

    /** {@code cross_run} points between the runs (both orientations of every pair). */
    public List<dev.canyon.analytics.update.CrossRunDistance> crossRun() {
        return crossRun;
    }
}
