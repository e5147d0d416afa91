package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Vectors;
import dev.canyon.kernels.linalg.Eigen;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.LinearPathProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunAnalyzerTest {

    /** An anisotropic walk with drift: most variance along a few directions, like a training trajectory. */
    private static List<Step> trajectory(String run, int steps, int dim, long seed) {
        Random r = new Random(seed);
        List<Step> out = new ArrayList<>();
        for (int t = 1; t <= steps; t++) {
            float[] g = new float[dim];
            float[] d = new float[dim];
            for (int i = 0; i < dim; i++) {
                double scale = 1.0 / (1 + i);
                g[i] = (float) (scale * r.nextGaussian());
                d[i] = (float) (-0.05 * g[i] + (i == 0 ? 0.01 : 0) + (i == 1 ? 0.004 * Math.sin(t / 40.0) : 0));
            }
            out.add(SampleRecords.step(run, t, 1_700_000_000_000L + t, 2.0 / Math.sqrt(t), g, d));
        }
        return out;
    }

    /**
     * The stream's explained-variance ratios against batch PCA of every point θ_0..θ_T
     * (eigendecomposition of the exact covariance): within 0.01, the accuracy bar of DESIGN.md.
     */
    @Test
    void pcaPointsMatchBatchPca() {
        int dim = 60;
        List<Step> steps = trajectory("p", 400, dim, 1);
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        PcaSnapshot last = null;
        for (Step s : steps) {
            for (PcaSnapshot p : only(a.onStep(s, 0), PcaSnapshot.class)) {
                last = p;
            }
        }
        double[][] points = new double[steps.size() + 1][dim];
        for (int t = 1; t <= steps.size(); t++) {
            float[] d = Vectors.toFloats(steps.get(t - 1).getDelta());
            for (int i = 0; i < dim; i++) {
                points[t][i] = points[t - 1][i] + d[i];
            }
        }
        double[] mean = new double[dim];
        for (double[] p : points) {
            for (int i = 0; i < dim; i++) {
                mean[i] += p[i] / points.length;
            }
        }
        double[][] cov = new double[dim][dim];
        for (double[] p : points) {
            for (int i = 0; i < dim; i++) {
                for (int j = 0; j < dim; j++) {
                    cov[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]) / points.length;
                }
            }
        }
        Eigen e = Eigen.of(cov);
        double trace = 0;
        for (int i = 0; i < dim; i++) {
            trace += cov[i][i];
        }
        assertThat(last).isNotNull();
        assertThat(last.at().step()).isEqualTo(400L);
        for (int i = 0; i < 3; i++) {
            assertThat(last.explainedVariance()[i]).as("evr%d", i + 1).isCloseTo(e.values[i] / trace, within(0.01));
        }
        // A drifting trajectory stands out against its random-walk control.
        assertThat(last.explainedVariance()[0]).isGreaterThan(last.controlExplainedVariance()[0]);
    }

    /** With θ_0 from RunStarted, aligned steps offer θ_t = θ_0 + Σ Δθ for cross-run distances. */
    @Test
    void positionsAtAlignedStepsStartFromTheAnnouncedInitialPoint() {
        int dim = 8;
        float[] theta0 = {1, 2, 3, 4, 5, 6, 7, 8};
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.builder().crossRunEvery(5).build());
        a.onRunStarted(RunStarted.newBuilder().setRunId("x").setExperimentId("e").setInitialParameters(Vectors.full(theta0)).build());
        double[] expected = new double[dim];
        for (int i = 0; i < dim; i++) {
            expected[i] = theta0[i];
        }
        Position position = null;
        for (Step s : trajectory("x", 10, dim, 2)) {
            float[] d = Vectors.toFloats(s.getDelta());
            for (int i = 0; i < dim; i++) {
                expected[i] += d[i];
            }
            List<Position> out = only(a.onStep(s, 0), Position.class);
            if (s.getStep() % 5 != 0) {
                assertThat(out).isEmpty();
            } else {
                position = out.get(0);
            }
        }
        assertThat(position.at().step()).isEqualTo(10);
        for (int i = 0; i < dim; i++) {
            assertThat((double) position.theta()[i]).isCloseTo(expected[i], within(1e-5));
        }
        // θ_0 itself, in the positions' space: what a position at step 0 would be (the report's first trajectory point).
        assertThat(a.initialPosition()).containsExactly(theta0);
        a.initialPosition()[0] = 99;
        assertThat(a.initialPosition()[0]).isEqualTo(1f);
    }

    /** Large exact vectors: θ_0 is kept in the stream's sketch space, the space of the run's positions. */
    @Test
    void initialPositionOfLargeVectorsIsInTheSketchSpace() {
        int dim = 5000;
        float[] theta0 = new float[dim];
        for (int i = 0; i < dim; i++) {
            theta0[i] = (float) Math.sin(i);
        }
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.builder().crossRunEvery(5).build());
        assertThat(a.initialPosition()).isNull();
        a.onRunStarted(RunStarted.newBuilder().setRunId("big").setExperimentId(SampleRecords.EXPERIMENT)
                .setInitialParameters(Vectors.full(theta0)).build());
        Position position = null;
        for (Step s : trajectory("big", 5, dim, 3)) {
            List<Position> out = only(a.onStep(s, 0), Position.class);
            position = out.isEmpty() ? position : out.get(0);
        }
        assertThat(a.streamSketched()).isTrue();
        float[] sketched = new CountSketch(dim, a.space(), CountSketch.seedFor(SampleRecords.EXPERIMENT)).apply(theta0);
        assertThat(a.initialPosition()).hasSize(a.space()).containsExactly(sketched);
        assertThat(position.theta()).hasSize(a.space());
    }

    /** θ_0 arriving after the steps (another topic): the held positions are placed and offered then, in order. */
    @Test
    void positionsWaitForALateInitialPoint() {
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.builder().crossRunEvery(5).build());
        List<Step> steps = trajectory("y", 10, 3, 7);
        for (Step s : steps) {
            assertThat(only(a.onStep(s, 0), Position.class)).isEmpty();
        }
        List<Position> out = only(a.onRunStarted(RunStarted.newBuilder().setRunId("y").setExperimentId("e")
                .setInitialParameters(Vectors.full(new float[] {10, 20, 30})).build()), Position.class);
        assertThat(out).extracting(p -> p.at().step()).containsExactly(5L, 10L);
        float[] sum = new float[3];
        for (Step s : steps) {
            float[] d = Vectors.toFloats(s.getDelta());
            for (int i = 0; i < 3; i++) {
                sum[i] += d[i];
            }
        }
        assertThat((double) out.get(1).theta()[2]).isCloseTo(30 + sum[2], within(1e-5));
    }

    /** Exact vectors above the PCA's limit are sketched in the stream to the configured size. */
    @Test
    void largeExactVectorsAreSketchedInTheStream() {
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        for (Step s : trajectory("big", 20, 5000, 3)) {
            a.onStep(s, 0);
        }
        assertThat(a.space()).isEqualTo(1024);
        assertThat(a.streamSketched()).isTrue();
    }

    /** RunEnded before the last step: the run finishes when its last step arrives; later steps are rejected. */
    @Test
    void aRunEndsWhenItsLastStepHasBeenSeen() {
        List<Step> steps = trajectory("e", 12, 4, 4);
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        a.onRunEnded(RunEnded.newBuilder().setRunId("e").setSteps(11).build());
        for (Step s : steps.subList(0, 10)) {
            a.onStep(s, 0);
        }
        assertThat(a.finished()).isFalse();
        a.onStep(steps.get(10), 0);
        assertThat(a.finished()).isTrue();
        assertThat(a.onClock(Long.MAX_VALUE / 2)).isEmpty();
        assertThatThrownBy(() -> a.onStep(steps.get(11), 0)).isInstanceOf(RunAnalyzer.Rejected.class)
                .hasMessageContaining("after the run ended");
    }

    /**
     * Probes become points, and a fresh Hessian probe feeds the stability ratio of the next window,
     * against the announced optimizer's threshold; without an announced optimizer the ratio is absent
     * with the reason.
     */
    @Test
    void probesAreStoredAndUsedAsEvidence() {
        RunAnalyzer unknown = new RunAnalyzer(AnalyticsSettings.defaults());
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        a.onRunStarted(dev.canyon.contract.proto.RunStarted.newBuilder().setRunId("q").setExperimentId("exp")
                .setOptimizerConfig(Optimizers.toWire(dev.canyon.kernels.stability.OptimizerSpec.sgd())).build());
        List<Step> steps = trajectory("q", 20, 4, 5);
        for (Step s : steps.subList(0, 5)) {
            a.onStep(s, 0);
            unknown.onStep(s, 0);
        }
        Probe.Builder base = Probe.newBuilder().setRunId("q").setExperimentId("exp").setStep(5).setEventTimeMs(1_700_000_000_005L);
        List<Update> h = a.onProbe(base.clone().setHessian(HessianProbe.newBuilder().setMaxEigenvalue(30).setMinEigenvalue(-2)
                .setTrace(40)).build());
        assertThat(h).singleElement().isInstanceOfSatisfying(ProbeResult.Hessian.class,
                p -> assertThat(p.stabilityRatio()).isEqualTo(0.1 * 30 / 2));
        List<Update> lp = a.onProbe(base.clone().setLinearPath(LinearPathProbe.newBuilder()
                .addAllAlpha(List.of(0.0, 0.5, 1.0)).addAllTrainLoss(List.of(2.0, 2.5, 1.0))).build());
        assertThat(lp).singleElement().isInstanceOfSatisfying(ProbeResult.LinearPath.class, p -> {
            assertThat(p.alpha()).containsExactly(0.0, 0.5, 1.0);
            assertThat(p.validationLoss()).isEmpty();
            assertThat(p.validation()).isNull();
            assertThat(p.train().monotone()).isFalse();
            assertThat(p.train().barrier()).isCloseTo(1.0, within(1e-12));
        });
        WindowIndicators indicators = null;
        for (Step s : steps.subList(5, 10)) {
            for (WindowIndicators p : only(a.onStep(s, 0), WindowIndicators.class)) {
                indicators = p;
            }
        }
        assertThat(indicators.lambdaMax()).isEqualTo(30.0);
        assertThat(indicators.stabilityRatio()).isEqualTo(1.5);

        unknown.onProbe(base.clone().setHessian(HessianProbe.newBuilder().setMaxEigenvalue(30).setMinEigenvalue(-2).setTrace(40)).build());
        WindowIndicators withoutOptimizer = null;
        for (Step s : steps.subList(5, 10)) {
            for (WindowIndicators p : only(unknown.onStep(s, 0), WindowIndicators.class)) {
                withoutOptimizer = p;
            }
        }
        assertThat(withoutOptimizer.lambdaMax()).isEqualTo(30.0);
        assertThat(withoutOptimizer.stabilityRatio()).isNaN();
        assertThat(withoutOptimizer.notes()).contains("stability ratio absent: optimizer not known");
    }

    /** A non-finite step opens divergence and sets DIVERGING at once, without touching the distances. */
    @Test
    void aNonFiniteStepIsDivergenceEvidence() {
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        List<Step> steps = trajectory("n", 3, 4, 6);
        a.onStep(steps.get(0), 0);
        double path = a.pathLength();
        List<Update> out = a.onNonFiniteStep(steps.get(1).toBuilder().setLoss(Double.NaN).build(), 0);
        assertThat(only(out, AlertTransition.class)).singleElement().satisfies(t -> assertThat(t.open()).isTrue());
        assertThat(a.state()).isEqualTo(dev.canyon.kernels.obstacle.ObstacleState.DIVERGING);
        assertThat(a.pathLength()).isEqualTo(path);
        assertThat(a.lastStep()).isEqualTo(1);
    }

    /**
     * A run met under way (its first steps never seen: a new consumer group, a lost checkpoint, deleted
     * records) never gets cumulative numbers that count from where it was met: no path length or
     * straightness, the trainer's displacement, no cross-run positions, and the step it was met at.
     */
    @Test
    void aRunMetUnderWayIsMarkedNotMiscounted() {
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.builder().crossRunEvery(5).build());
        List<Step> steps = trajectory("late", 150, 6, 9);
        List<StepMeasured> measured = new ArrayList<>();
        for (Step s : steps.subList(100, 150)) {
            List<Update> out = a.onStep(s, 0);
            assertThat(only(out, Position.class)).isEmpty();
            measured.addAll(only(out, StepMeasured.class));
        }
        assertThat(measured).hasSize(50).allSatisfy(m -> {
            assertThat(m.analysedFromStep()).isEqualTo(101);
            assertThat(m.pathLength()).isNaN();
            assertThat(m.straightness()).isNaN();
        });
        assertThat(measured.get(49).displacement()).isEqualTo(steps.get(149).getScalars().getDisplacement());
        // Seen from its start, the same run is counted from θ_0.
        RunAnalyzer full = new RunAnalyzer(AnalyticsSettings.defaults());
        StepMeasured first = only(full.onStep(steps.get(0), 0), StepMeasured.class).get(0);
        assertThat(first.analysedFromStep()).isZero();
        assertThat(first.pathLength()).isEqualTo(first.stepLength());
    }

    /**
     * Without same-batch curvature probes (probes off, or a ComputationGraph), the window's curvature
     * is the scalar estimate and is labelled so; it was NaN labelled "probe" while the freshness check
     * overflowed on "no probe yet".
     */
    @Test
    void withoutCurvatureProbesTheScalarEstimateIsStoredAndLabelled() {
        RunAnalyzer a = new RunAnalyzer(AnalyticsSettings.defaults());
        List<WindowIndicators> windows = new ArrayList<>();
        for (Step s : trajectory("noprobe", 60, 5, 12)) {
            windows.addAll(only(a.onStep(s, 0), WindowIndicators.class));
        }
        assertThat(windows).isNotEmpty().allSatisfy(w -> assertThat(w.curvatureSource()).isEqualTo(WindowIndicators.CurvatureSource.SCALARS));
        assertThat(windows).anySatisfy(w -> assertThat(w.curvature()).isFinite());
    }

    /** The updates of type {@code type}, in order. */
    static <T extends Update> List<T> only(List<Update> updates, Class<T> type) {
        return updates.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
