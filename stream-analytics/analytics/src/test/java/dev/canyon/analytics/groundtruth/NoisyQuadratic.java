package dev.canyon.analytics.groundtruth;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.proto.GradientNoiseProbe;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.kernels.noise.SamePointGradients;
import dev.canyon.kernels.obstacle.ObstacleState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ground truth with minibatch noise: SGD (or heavy-ball momentum) on L(θ) = L0 + ½ xᵀHx, x = θ − θ*,
 * with a known diagonal Hessian H (negative entries make a saddle), minibatch gradients Hx + ξ with
 * ξ ~ N(0, Σ/B) for a known per-example covariance Σ = diag(σ²), and a minibatch loss L(θ) + ε with
 * ε ~ N(0, σ_L²). The trainer's records are built as the listener builds them: exact scalars and
 * FULL vectors every step, the Hessian's exact extremes every {@link #hessianEvery} steps, and a
 * same-point probe (m parts of B/m examples at θ_t) every {@link #noiseEvery} steps. Everything is
 * fed to a {@link RunAnalyzer}.
 */
public final class NoisyQuadratic {
    double[] lambda;
    double[] sigma2;
    double[] start;
    double lossOffset;
    double lossNoise;
    double learningRate;
    double momentum;
    int batch = 32;
    int parts = 4;
    int hessianEvery = 100;
    int noiseEvery = 10;
    boolean sendNoiseProbes = true;
    boolean sendHessian = true;
    boolean announceOptimizer = true;
    /** A step whose reported loss is multiplied by {@link #spikeFactor} (0: none). */
    int spikeAt;
    double spikeFactor = 1;

    /** What a run showed: every obstacle decision, in order. */
    public record Outcome(List<ObstacleState> states, List<String> evidence, RunAnalyzer analyzer, List<WindowIndicators> windows) {
        public ObstacleState last() {
            return states.isEmpty() ? null : states.get(states.size() - 1);
        }
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** Runs {@code steps} steps with {@code seed}. */
    public Outcome run(long seed, int steps, AnalyticsSettings settings) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = lambda.length;
        double[] x = start.clone();
        double[] optimum = new double[d];
        for (int i = 0; i < d; i++) {
            optimum[i] = 0.5 + 0.01 * i;
        }
        double[] prevG = new double[d];
        double[] prevDelta = new double[d];
        double[] velocity = new double[d];
        double[] theta0 = new double[d];
        for (int i = 0; i < d; i++) {
            theta0[i] = optimum[i] + x[i];
        }
        RunAnalyzer a = new RunAnalyzer(settings);
        if (announceOptimizer) {
            a.onRunStarted(dev.canyon.contract.proto.RunStarted.newBuilder().setRunId("gt-" + seed).setExperimentId("gt")
                    .setEventTimeMs(1_800_000_000_000L).setOptimizerConfig(dev.canyon.analytics.run.Optimizers.toWire(momentum == 0
                            ? dev.canyon.kernels.stability.OptimizerSpec.sgd()
                            : dev.canyon.kernels.stability.OptimizerSpec.momentum(momentum))).build());
        }
        List<ObstacleState> states = new ArrayList<>();
        List<String> evidence = new ArrayList<>();
        List<WindowIndicators> windows = new ArrayList<>();
        double lMax = Double.NEGATIVE_INFINITY, lMin = Double.POSITIVE_INFINITY, trace = 0;
        for (double l : lambda) {
            lMax = Math.max(lMax, l);
            lMin = Math.min(lMin, l);
            trace += l;
        }
        for (int t = 1; t <= steps; t++) {
            double loss = lossOffset;
            double[] g = new double[d];
            for (int i = 0; i < d; i++) {
                loss += 0.5 * lambda[i] * x[i] * x[i];
                g[i] = lambda[i] * x[i] + Math.sqrt(sigma2[i] / batch) * gaussian(r);
            }
            loss += lossNoise * gaussian(r);
            if (t == spikeAt) {
                loss *= spikeFactor;
            }
            double[] delta = new double[d];
            for (int i = 0; i < d; i++) {
                velocity[i] = momentum * velocity[i] - learningRate * g[i];
                delta[i] = velocity[i];
                x[i] += delta[i];
            }
            double gn = 0, dn = 0, pn = 0, disp = 0, gd = 0, gpg = 0, gpd = 0;
            float[] gf = new float[d];
            float[] df = new float[d];
            for (int i = 0; i < d; i++) {
                double theta = optimum[i] + x[i];
                gn += g[i] * g[i];
                dn += delta[i] * delta[i];
                pn += theta * theta;
                disp += (theta - theta0[i]) * (theta - theta0[i]);
                gd += g[i] * delta[i];
                gpg += t > 1 ? g[i] * prevG[i] : 0;
                gpd += t > 1 ? g[i] * prevDelta[i] : 0;
                gf[i] = (float) g[i];
                df[i] = (float) delta[i];
            }
            Step step = Step.newBuilder().setRunId("gt-" + seed).setExperimentId("gt").setStep(t).setEventTimeMs(1_800_000_000_000L + t)
                    .setLoss(loss).setLearningRate(learningRate).setBatchSize(batch).setExamplesSeen((long) t * batch)
                    .setScalars(StepScalars.newBuilder().setGradNorm(Math.sqrt(gn)).setDeltaNorm(Math.sqrt(dn))
                            .setParamNorm(Math.sqrt(pn)).setDisplacement(Math.sqrt(disp)).setGradDotDelta(gd)
                            .setGradDotPrevGrad(gpg).setGradDotPrevDelta(gpd))
                    .setGradient(Vectors.full(gf)).setDelta(Vectors.full(df)).build();
            List<Update> updates = a.onStep(step, 1_800_000_000_000L + t);
            collect(updates, states, evidence);
            for (Update u : updates) {
                if (u instanceof WindowIndicators w) {
                    windows.add(w);
                }
            }
            Probe.Builder probe = Probe.newBuilder().setRunId(step.getRunId()).setExperimentId("gt").setStep(t)
                    .setEventTimeMs(step.getEventTimeMs());
            if (sendHessian && (t == 1 || t % hessianEvery == 0)) {
                collect(a.onProbe(probe.clone().setHessian(HessianProbe.newBuilder().setMaxEigenvalue(lMax).setMinEigenvalue(lMin)
                        .setTrace(trace)).build()), states, evidence);
            }
            if (sendNoiseProbes && (t == 1 || t % noiseEvery == 0)) {
                int b = batch / parts;
                double[][] p = new double[parts][d];
                for (int k = 0; k < parts; k++) {
                    for (int i = 0; i < d; i++) {
                        p[k][i] = lambda[i] * x[i] + Math.sqrt(sigma2[i] / b) * gaussian(r);
                    }
                }
                SamePointGradients.Estimate e = SamePointGradients.of(p, b);
                collect(a.onProbe(probe.clone().setGradientNoise(GradientNoiseProbe.newBuilder().setParts(e.parts())
                        .setPartSize(e.partSize()).setGradNormSq(e.gradNormSq()).setGradNormSqStderr(e.gradNormSqStderr())
                        .setNoiseTrace(e.noiseTrace())).build()), states, evidence);
            }
            prevG = g;
            prevDelta = delta;
        }
        return new Outcome(states, evidence, a, windows);
    }

    private static void collect(List<Update> updates, List<ObstacleState> states, List<String> evidence) {
        for (Update u : updates) {
            if (u instanceof ObstacleDecision o) {
                states.add(o.state());
                evidence.add(o.evidence());
            }
        }
    }

    /** d values spaced geometrically from {@code from} to {@code to}. */
    static double[] geometric(int d, double from, double to) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = from * Math.pow(to / from, i / (double) (d - 1));
        }
        return v;
    }

    static double[] filled(int d, double value) {
        double[] v = new double[d];
        java.util.Arrays.fill(v, value);
        return v;
    }
}
