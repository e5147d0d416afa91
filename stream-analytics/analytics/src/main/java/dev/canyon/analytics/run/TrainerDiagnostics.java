package dev.canyon.analytics.run;

import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.proto.LayerHistogram;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TrainerJvm;
import java.util.List;

/**
 * A step's scheduled diagnostics as typed updates: its per-layer histograms and its JVM sample. The
 * contract checked them when the record was decoded ({@code StepDiagnostics.validate}: finite lo ≤
 * hi, 1 to 256 bins, counts adding up to the layer's size; a step that breaks a rule is dead-lettered
 * with the reason), so this only converts. Stateless: nothing of it is checkpointed.
 */
final class TrainerDiagnostics {
    private TrainerDiagnostics() {}

    /** Adds the step's histograms (in the record's order) and JVM sample to {@code out}. */
    static void addTo(Step step, At at, List<Update> out) {
        for (LayerHistogram h : step.getHistogramsList()) {
            long[] counts = new long[h.getCountsCount()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = h.getCounts(i);
            }
            out.add(new LayerHistogramMeasured(at, h.getLayer(), kind(h.getKind()), h.getLo(), h.getHi(), counts));
        }
        if (step.hasJvm()) {
            TrainerJvm j = step.getJvm();
            out.add(new TrainerJvmSampled(at, j.getHeapUsedBytes(), j.getHeapMaxBytes(), j.getOffheapBytes(), j.getGcTimeMs(),
                    j.hasStepsPerS() ? j.getStepsPerS() : Double.NaN));
        }
    }

    private static LayerHistogramMeasured.Kind kind(LayerHistogram.Kind k) {
        return switch (k) {
            case PARAMS -> LayerHistogramMeasured.Kind.PARAMS;
            case GRADIENTS -> LayerHistogramMeasured.Kind.GRADIENTS;
            case UPDATES -> LayerHistogramMeasured.Kind.UPDATES;
            default -> throw new IllegalStateException("histogram kind " + k + " passed the contract");
        };
    }
}
