package dev.canyon.report;

import dev.canyon.analytics.update.CrossRunDistance;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The runs a report covers (one run, or the runs of one experiment) and their cross-run distances. */
public final class Recording {
    final Map<String, RunRecording> runs = new LinkedHashMap<>();
    final List<CrossRunDistance> crossRun = new ArrayList<>();
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

    /** Distances between the runs at aligned steps (one per pair and step; storage keeps both orientations). */
    public List<CrossRunDistance> crossRun() {
        return crossRun;
    }
}
