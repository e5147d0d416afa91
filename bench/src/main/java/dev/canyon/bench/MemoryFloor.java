package dev.canyon.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The physical floor of exact per-step telemetry: one read of the six d-length vectors the exact
 * scalars need (g_t, θ_t, θ_{t−1}, θ_0, g_{t−1}, Δθ_{t−1}), summed in vector lanes so that the
 * read, not the arithmetic, is what it costs. Timed in the same rounds as the configurations it is
 * compared with (same caches, same neighbours). Its result is returned so that the JIT cannot drop
 * the reads.
 */
final class MemoryFloor {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final float[][] vectors;

    /** Six vectors of d values (contents irrelevant, but not all zero). */
    MemoryFloor(int d) {
        vectors = new float[6][d];
        for (int v = 0; v < 6; v++) {
            for (int i = 0; i < d; i++) {
                vectors[v][i] = (float) ((i * 31 + v) % 97) / 97f;
            }
        }
    }

    /** One fused read of the six vectors: the sum of all their values. */
    double read() {
        float[] a = vectors[0], b = vectors[1], c = vectors[2], d = vectors[3], e = vectors[4], f = vectors[5];
        FloatVector sa = FloatVector.zero(S), sb = sa, sc = sa, sd = sa, se = sa, sf = sa;
        int i = 0;
        int upper = S.loopBound(a.length);
        for (; i < upper; i += S.length()) {
            sa = sa.add(FloatVector.fromArray(S, a, i));
            sb = sb.add(FloatVector.fromArray(S, b, i));
            sc = sc.add(FloatVector.fromArray(S, c, i));
            sd = sd.add(FloatVector.fromArray(S, d, i));
            se = se.add(FloatVector.fromArray(S, e, i));
            sf = sf.add(FloatVector.fromArray(S, f, i));
        }
        double sum = sa.add(sb).add(sc).add(sd).add(se).add(sf).reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) {
            sum += a[i] + b[i] + c[i] + d[i] + e[i] + f[i];
        }
        return sum;
    }
}
