package dev.canyon.report.section;

import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run's stream measurements as CSV, one file per InfluxDB measurement (data/training.csv,
 * indicators.csv, ...): the points storage's one mapping, {@link UpdatePoints}, makes of the run's
 * updates, so each file holds exactly what the live job stored (time, tags, fields). Written for
 * notebooks and for that comparison; no figure reads them back.
 */
public final class MeasurementsSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "stream measurements";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.recording().updates().isEmpty() ? Optional.of(Skip.quietly("the analytics produced no updates")) : Optional.empty();
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        Map<String, List<StoredPoint>> byMeasurement = new LinkedHashMap<>();
        for (StoredPoint p : UpdatePoints.of(run.recording().updates())) {
            byMeasurement.computeIfAbsent(p.measurement(), m -> new ArrayList<>()).add(p);
        }
        for (var e : byMeasurement.entrySet()) {
            Csv.points(run.folder().data(e.getKey() + ".csv"), e.getValue());
        }
        return Written.nothing();
    }
}
