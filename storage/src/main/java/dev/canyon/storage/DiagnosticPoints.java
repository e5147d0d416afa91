package dev.canyon.storage;

import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.contract.Measurements;

/**
 * The points of the trainer's scheduled diagnostics, for {@link UpdatePoints}: a histogram is one
 * {@link Measurements#HISTOGRAMS} point tagged with its layer and kind (fields lo, hi, bins, c0..c{n−1}),
 * a JVM sample one {@link Measurements#TRAINER_JVM} point; both at the step's point time.
 */
final class DiagnosticPoints {
    private DiagnosticPoints() {}

    static StoredPoint histogram(LayerHistogramMeasured h) {
        long[] counts = h.counts();
        StoredPoint.Builder b = StoredPoint.builder(Measurements.HISTOGRAMS, PointTime.ofStep(h.at().eventTimeMs(), h.at().step()))
                .tag(Measurements.TAG_RUN, h.at().run())
                .tag(Measurements.TAG_EXPERIMENT, h.at().experiment())
                .tag(Measurements.TAG_LAYER, h.layer())
                .tag(Measurements.TAG_KIND, h.kind().label())
                .field(Measurements.FIELD_STEP, h.at().step())
                .field(Measurements.FIELD_LO, h.lo())
                .field(Measurements.FIELD_HI, h.hi())
                .field(Measurements.FIELD_BINS, (long) counts.length);
        for (int i = 0; i < counts.length; i++) {
            b.field(Measurements.FIELD_COUNT_PREFIX + i, counts[i]);
        }
        return b.build();
    }

    static StoredPoint jvm(TrainerJvmSampled j) {
        StoredPoint.Builder b = StoredPoint.builder(Measurements.TRAINER_JVM, PointTime.ofStep(j.at().eventTimeMs(), j.at().step()))
                .tag(Measurements.TAG_RUN, j.at().run())
                .tag(Measurements.TAG_EXPERIMENT, j.at().experiment())
                .field(Measurements.FIELD_STEP, j.at().step())
                .field(Measurements.FIELD_HEAP_USED_BYTES, j.heapUsedBytes())
                .field(Measurements.FIELD_OFFHEAP_BYTES, j.offheapBytes())
                .field(Measurements.FIELD_GC_TIME_MS, j.gcTimeMs())
                .fieldIfFinite(Measurements.FIELD_STEPS_PER_S, j.stepsPerS());
        if (j.heapMaxBytes() > 0) {
            b.field(Measurements.FIELD_HEAP_MAX_BYTES, j.heapMaxBytes());
        }
        return b.build();
    }
}
