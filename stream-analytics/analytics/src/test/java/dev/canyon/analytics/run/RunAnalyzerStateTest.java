package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.proto.CurvatureProbe;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.LinearPathProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.kernels.StateFormatException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A run's state in its versioned format: restored at any point of a run, it continues exactly as
 * the uninterrupted analyzer (every update equal, bit for bit); a state of an unknown format version,
 * or truncated, is refused with a message naming the problem; the v1 fixture in test resources stays
 * readable.
 */
class RunAnalyzerStateTest {
    private static final Path FIXTURE = Path.of("src/test/resources/golden/state-v1/run-analyzer.bin");
    private static final Path FIXTURE_V2 = Path.of("src/test/resources/golden/state-v2/run-analyzer.bin");
    private static final int DIM = 12;
    private static final AnalyticsSettings SETTINGS = AnalyticsSettings.builder().crossRunEvery(5).window(8).emitEvery(4).build();

    /** The run's records in publication order: steps, probes every 10 steps, θ_0 late (after step 12), the end. */
    static List<Function<RunAnalyzer, List<Update>>> records(String run, int steps, long seed) {
        Random r = new Random(seed);
        List<Function<RunAnalyzer, List<Update>>> out = new ArrayList<>();
        for (int t = 1; t <= steps; t++) {
            float[] g = new float[DIM];
            float[] d = new float[DIM];
            for (int i = 0; i < DIM; i++) {
                g[i] = (float) (r.nextGaussian() / (1 + i));
                d[i] = (float) (-0.05 * g[i] + (i == 0 ? 0.01 : 0));
            }
            Step s = SampleRecords.step(run, t, 1_700_000_000_000L + 7L * t, 2.0 / Math.sqrt(t) + 0.01 * r.nextGaussian(), g, d);
            long arrival = 1000L * t;
            out.add(a -> a.onStep(s, arrival));
            long step = t;
            if (t % 10 == 0) {
                Probe.Builder p = Probe.newBuilder().setRunId(run).setExperimentId(SampleRecords.EXPERIMENT).setStep(t)
                        .setEventTimeMs(s.getEventTimeMs());
                double lmax = 5 + r.nextDouble();
                out.add(a -> a.onProbe(p.clone().setHessian(HessianProbe.newBuilder().setMaxEigenvalue(lmax).setMinEigenvalue(-0.1)
                        .setTrace(9)).build()));
                out.add(a -> a.onProbe(p.clone().setCurvature(CurvatureProbe.newBuilder().setAlongStep(lmax / 2).setAlongGradient(1))
                        .build()));
                out.add(a -> a.onProbe(p.clone().setLinearPath(LinearPathProbe.newBuilder().addAllAlpha(List.of(0.0, 0.5, 1.0))
                        .addAllTrainLoss(List.of(2.0, 1.2, 1.0 / step)).addAllValidationLoss(List.of(2.1, 1.3, 1.1))).build()));
            }
            if (t == 12) {
                float[] theta0 = new float[DIM];
                Arrays.fill(theta0, 0.5f);
                out.add(a -> a.onRunStarted(RunStarted.newBuilder().setRunId(run).setExperimentId(SampleRecords.EXPERIMENT)
                        .setInitialParameters(Vectors.full(theta0)).build()));
            }
        }
        out.add(a -> a.onRunEnded(RunEnded.newBuilder().setRunId(run).setSteps(steps).build()));
        return out;
    }

    @Test
    void restoredAtAnyPointItContinuesExactlyAsUninterrupted() throws Exception {
        List<Function<RunAnalyzer, List<Update>>> records = records("state", 60, 1);
        List<String> uninterrupted = run(new RunAnalyzer(SETTINGS), records, 0, records.size());
        assertThat(uninterrupted).hasSizeGreaterThan(100);
        for (String kind : List.of("StepMeasured", "WindowIndicators", "ObstacleDecision", "PcaSnapshot", "Position", "Hessian(",
                "Curvature(", "LinearPath(")) {
            assertThat(uninterrupted).as("updates of kind %s", kind).anyMatch(u -> u.startsWith(kind));
        }
        for (int cut = 0; cut <= records.size(); cut += 7) {
            RunAnalyzer first = new RunAnalyzer(SETTINGS);
            List<String> before = run(first, records, 0, cut);
            RunAnalyzer restored = RunAnalyzer.heapify(first.toByteArray(), AnalyticsSettings.defaults()).adopt(SETTINGS);
            List<String> all = new ArrayList<>(before);
            all.addAll(run(restored, records, cut, records.size()));
            assertThat(all).as("updates with a restore after record %d", cut).containsExactlyElementsOf(uninterrupted);
            assertThat(restored.finished()).isTrue();
        }
    }

    @Test
    void theJobsStallSettingsApplyToARestoredState() throws Exception {
        RunAnalyzer a = new RunAnalyzer(SETTINGS);
        for (var r : records("s", 3, 2).subList(0, 3)) {
            r.apply(a);
        }
        var quick = AnalyticsSettings.builder().stall(new dev.canyon.kernels.stall.StallDetector.Config(0.05, 500, 1e-3,
                java.time.Duration.ofSeconds(1), 10, 20)).build();
        RunAnalyzer restored = RunAnalyzer.heapify(a.toByteArray(), AnalyticsSettings.defaults()).adopt(quick);
        // The default silence is 60 s; the adopted one is 1 s: 2 s after the last step (arrival 3,000 ms) is silence.
        assertThat(restored.onClock(5_000)).singleElement().satisfies(u -> assertThat(canonical(u)).contains("SILENCE"));
    }

    @Test
    void anUnknownVersionATruncatedStateAndAnotherKindAreRefusedClearly() {
        RunAnalyzer a = new RunAnalyzer(SETTINGS);
        records("v", 20, 3).subList(0, 22).forEach(r -> r.apply(a));
        byte[] bytes = a.toByteArray();

        byte[] future = bytes.clone();
        future[0] = 9;
        assertThatThrownBy(() -> RunAnalyzer.heapify(future, SETTINGS)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("RunAnalyzer state of format version 9").hasMessageContaining("reads versions 1 and 2");
        for (int n = 0; n < bytes.length; n += Math.max(1, bytes.length / 97)) {
            byte[] prefix = Arrays.copyOf(bytes, n);
            assertThatThrownBy(() -> RunAnalyzer.heapify(prefix, SETTINGS)).as("prefix of %d of %d bytes", n, bytes.length)
                    .isInstanceOf(StateFormatException.class);
        }
        byte[] kernel = new dev.canyon.kernels.distance.DistanceTravelled().toByteArray();
        assertThatThrownBy(() -> RunAnalyzer.heapify(kernel, SETTINGS)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("expected a RunAnalyzer state").hasMessageContaining("DistanceTravelled");
    }

    /**
     * The v1 fixture (written by the version-1 code) still reads, and continues as a fresh run does but
     * for the obstacle decisions, which version 2 shows only after they held for the persistence
     * windows (a v1 state starts with its shown state as held), and the PCA points, which continue
     * with the version-1 estimators the state holds.
     */
    @Test
    void theVersionOneFixtureStaysReadable() throws Exception {
        List<Function<RunAnalyzer, List<Update>>> records = records("golden", 40, 4);
        int cut = 30;
        RunAnalyzer fresh = new RunAnalyzer(SETTINGS);
        run(fresh, records, 0, cut);
        byte[] fixture = Files.readAllBytes(FIXTURE);
        RunAnalyzer restored = RunAnalyzer.heapify(fixture, SETTINGS);
        assertThat(restored.lastStep()).isEqualTo(fresh.lastStep());
        assertThat(restored.state()).isEqualTo(fresh.state());
        assertThat(withoutDecisions(run(restored, records, cut, records.size())))
                .containsExactlyElementsOf(withoutDecisions(run(fresh, records, cut, records.size())));
    }

    /** The v2 fixture (written by -Dcanyon.golden.write=true) reads back and continues as a fresh run does. */
    @Test
    void theVersionTwoFixtureStaysReadable() throws Exception {
        List<Function<RunAnalyzer, List<Update>>> records = records("golden", 40, 4);
        int cut = 30;
        RunAnalyzer fresh = new RunAnalyzer(SETTINGS);
        run(fresh, records, 0, cut);
        if (Boolean.getBoolean("canyon.golden.write")) {
            Files.createDirectories(FIXTURE_V2.getParent());
            Files.write(FIXTURE_V2, fresh.toByteArray());
        }
        byte[] fixture = Files.readAllBytes(FIXTURE_V2);
        assertThat(fixture).as("v2 writer output unchanged while the version is 2").containsExactly(fresh.toByteArray());
        RunAnalyzer restored = RunAnalyzer.heapify(fixture, SETTINGS);
        assertThat(restored.lastStep()).isEqualTo(fresh.lastStep());
        assertThat(run(restored, records, cut, records.size())).containsExactlyElementsOf(run(fresh, records, cut, records.size()));
    }

    /** Updates but the obstacle decisions and the PCA points, which a version-1 state continues with its own rules. */
    private static List<String> withoutDecisions(List<String> updates) {
        return updates.stream().filter(u -> !u.startsWith("ObstacleDecision") && !u.startsWith("PcaSnapshot")).toList();
    }

    private static List<String> run(RunAnalyzer a, List<Function<RunAnalyzer, List<Update>>> records, int from, int to) {
        List<String> out = new ArrayList<>();
        for (var r : records.subList(from, to)) {
            try {
                r.apply(a).forEach(u -> out.add(canonical(u)));
            } catch (RunAnalyzer.Rejected e) {
                out.add("rejected: " + e.getMessage());
            }
        }
        return out;
    }

    /** An update as text, arrays by value and doubles by their bits, so that equal text means equal updates. */
    static String canonical(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof double[] d) {
            StringBuilder sb = new StringBuilder("[");
            for (double v : d) {
                sb.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(',');
            }
            return sb.append(']').toString();
        }
        if (o instanceof float[] f) {
            StringBuilder sb = new StringBuilder("[");
            for (float v : f) {
                sb.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
            }
            return sb.append(']').toString();
        }
        if (o instanceof Double d) {
            return Long.toHexString(Double.doubleToRawLongBits(d));
        }
        if (o.getClass().isRecord()) {
            StringBuilder sb = new StringBuilder(o.getClass().getSimpleName()).append('(');
            for (RecordComponent c : o.getClass().getRecordComponents()) {
                try {
                    sb.append(c.getName()).append('=').append(canonical(c.getAccessor().invoke(o))).append(' ');
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return sb.append(')').toString();
        }
        return String.valueOf(o);
    }

}
