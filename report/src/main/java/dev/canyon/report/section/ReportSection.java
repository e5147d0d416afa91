package dev.canyon.report.section;

import java.io.IOException;
import java.util.Optional;

/**
 * One piece of a report, one class each: its figures (PNG and SVG), the CSV behind them and a typed
 * summary, computed from the typed analytics updates, snapshots and positions it declares in
 * {@link #skip}. A section never reads numbers back out of a storage point: the CSV of the stream's
 * measurements is what storage would store ({@link MeasurementsSection}), everything else comes from
 * the records.
 *
 * @param <I> what it reads: a {@link ReportedRun} or a {@link ReportedExperiment}
 * @param <S> what it returns: its summary, serialized into summary.json, or data that a later section
 *     draws ({@link SnapshotLossSection}); {@link Void} for neither
 */
public interface ReportSection<I, S> {

    /** What the section shows, in a few words ("loss", "linear path"). */
    String name();

    /** Why there is nothing to show for {@code input}: the data this section needs is absent. Empty when there is. */
    Optional<Skip> skip(I input);

    /** Writes the section's figures and CSV; called only when {@link #skip} is empty. */
    Written<S> write(I input) throws IOException;
}
