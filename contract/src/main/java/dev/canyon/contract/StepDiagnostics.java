package dev.canyon.contract;

import dev.canyon.contract.proto.LayerHistogram;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TrainerJvm;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The rules of a step's scheduled diagnostics (DL4J-UI parity): per-layer histograms ({@link
 * LayerHistogram}) and the trainer JVM's resources ({@link TrainerJvm}). One place for what a layer
 * is, how a value is binned and what a valid histogram is, shared by the trainer that makes them and
 * the stream that checks them ({@link WireRecords#validate(Step)}).
 */
public final class StepDiagnostics {
    /** Most bins a histogram may have (the stream stores one field per bin). */
    public static final int MAX_BINS = 256;

    private StepDiagnostics() {}

    /** The layer of a DL4J parameter tensor: its name before the last '_' ("0_W" → "0"); a name without '_' is its own layer. */
    public static String layerOf(String tensorName) {
        int cut = tensorName.lastIndexOf('_');
        return cut > 0 ? tensorName.substring(0, cut) : tensorName;
    }

    /**
     * The bin of {@code x} among {@code bins} equal-width bins over [lo, hi]: min(bins − 1, ⌊(x − lo)·bins/(hi − lo)⌋) in
     * double arithmetic, so hi lands in the last bin; 0 when lo == hi. For lo ≤ x ≤ hi.
     */
    public static int bin(double x, double lo, double hi, int bins) {
        if (!(hi > lo)) {
            return 0;
        }
        int i = (int) ((x - lo) * (bins / (hi - lo)));
        return i >= bins ? bins - 1 : Math.max(i, 0);
    }

    /** Values per layer of the step's tensors, in tensor order. */
    public static Map<String, Long> layerSizes(Step s) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (TensorScalars t : s.getTensorsList()) {
            sizes.merge(layerOf(t.getName()), (long) t.getSize(), Long::sum);
        }
        return sizes;
    }

    /**
     * Checks the step's histograms and JVM sample: a histogram names a layer of the step's tensors and
     * a kind, has finite lo ≤ hi, 1 to {@value #MAX_BINS} bins and counts adding up to the layer's
     * size, and no (layer, kind) twice; the JVM's counters fit in a signed 64-bit integer and steps
     * per second, when present, is finite and ≥ 0. Throws {@link WireFormatException} saying what is wrong.
     */
    public static void validate(Step s) {
        if (s.getHistogramsCount() > 0) {
            Map<String, Long> sizes = layerSizes(s);
            Set<String> seen = new HashSet<>();
            for (LayerHistogram h : s.getHistogramsList()) {
                String what = "histogram " + h.getKind() + " of layer '" + Ids.printable(h.getLayer()) + "' (run " + s.getRunId()
                        + ", step " + s.getStep() + ")";
                String bad = Ids.problem("layer", h.getLayer(), false);
                if (bad != null) {
                    throw new WireFormatException(what + ": " + bad);
                }
                if (h.getKind() != LayerHistogram.Kind.PARAMS && h.getKind() != LayerHistogram.Kind.GRADIENTS
                        && h.getKind() != LayerHistogram.Kind.UPDATES) {
                    throw new WireFormatException(what + ": kind must be PARAMS, GRADIENTS or UPDATES");
                }
                if (!seen.add(h.getLayer() + "\u0000" + h.getKind())) {
                    throw new WireFormatException(what + ": appears twice in the step");
                }
                if (!Double.isFinite(h.getLo()) || !Double.isFinite(h.getHi()) || h.getLo() > h.getHi()) {
                    throw new WireFormatException(what + ": lo and hi must be finite with lo <= hi, got lo " + h.getLo() + ", hi "
                            + h.getHi());
                }
                if (h.getCountsCount() < 1 || h.getCountsCount() > MAX_BINS) {
                    throw new WireFormatException(what + ": must have 1 to " + MAX_BINS + " bins, got " + h.getCountsCount());
                }
                Long size = sizes.get(h.getLayer());
                if (size == null) {
                    throw new WireFormatException(what + ": no tensor of the step belongs to this layer (tensors: "
                            + s.getTensorsList().stream().map(TensorScalars::getName).toList() + ")");
                }
                long sum = 0;
                for (long c : h.getCountsList()) {
                    if (c < 0 || c > size) {
                        throw new WireFormatException(what + ": a bin counts " + Long.toUnsignedString(c) + " values, the layer has "
                                + size);
                    }
                    sum += c;
                }
                if (sum != size) {
                    throw new WireFormatException(what + ": counts add up to " + sum + ", the layer's tensors hold " + size
                            + " values");
                }
            }
        }
        if (s.hasJvm()) {
            TrainerJvm j = s.getJvm();
            String what = "jvm sample (run " + s.getRunId() + ", step " + s.getStep() + ")";
            for (long v : new long[] {j.getHeapUsedBytes(), j.getHeapMaxBytes(), j.getOffheapBytes(), j.getGcTimeMs()}) {
                if (v < 0) {
                    throw new WireFormatException(what + ": a counter is " + Long.toUnsignedString(v) + ", beyond 2^63 - 1");
                }
            }
            if (j.hasStepsPerS() && !(Double.isFinite(j.getStepsPerS()) && j.getStepsPerS() >= 0)) {
                throw new WireFormatException(what + ": steps_per_s must be finite and >= 0, got " + j.getStepsPerS());
            }
        }
    }
}
