package dev.canyon.cli;

import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.kernels.sketch.CountSketch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic sketch-mode records of one experiment, shaped as the trainer sends them by default
 * ({@code sketch:k}): a run-started record whose θ_0 is a k-dimensional sketch (never the full d
 * values, so its size does not grow with d), and steps with the exact scalars for the whole model
 * and per parameter tensor and k-dimensional sketches of g and Δθ. The sketches are drawn once
 * (a pool of {@value #POOL} random pairs, cycled) so that making a record costs little next to
 * the stream's own work; the analytics do not depend on which vectors they see.
 */
final class SyntheticRuns {
    /** Pairs of sketches cycled through. */
    static final int POOL = 64;

    /**
     * A model's parameter tensors: names and sizes, summing to d.
     *
     * @param name how the benchmarks print it
     */
    record Layout(String name, String[] tensors, int[] sizes) {
        long d() {
            long d = 0;
            for (int s : sizes) {
                d += s;
            }
            return d;
        }

        /** A dense MLP's weights and biases, layer by layer (784-64-10: 50,890 parameters in 4 tensors). */
        static Layout mlp(int... widths) {
            List<String> names = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            StringBuilder name = new StringBuilder("MLP ");
            for (int l = 0; l + 1 < widths.length; l++) {
                names.add(l + "_W");
                sizes.add(widths[l] * widths[l + 1]);
                names.add(l + "_b");
                sizes.add(widths[l + 1]);
                name.append(widths[l]).append('-');
            }
            name.append(widths[widths.length - 1]);
            return new Layout(name.toString(), names.toArray(new String[0]), sizes.stream().mapToInt(Integer::intValue).toArray());
        }

        /**
         * The parameter counts of issue 14: 50,890 (MLP 784-64-10), 508,810 (784-640-10), 1,987,510
         * (784-2500-10), and 10,000,000 (a three-layer MLP 784-2800-2780-n whose last weight matrix
         * takes the remainder, 6 tensors).
         */
        static Layout ofParameters(long d) {
            if (d == 50_890) {
                return mlp(784, 64, 10);
            } else if (d == 508_810) {
                return mlp(784, 640, 10);
            } else if (d == 1_987_510) {
                return mlp(784, 2500, 10);
            } else if (d == 10_000_000) {
                Layout l = mlp(784, 2800, 2780, 10);
                int[] sizes = l.sizes().clone();
                long rest = d - (l.d() - sizes[4]);
                sizes[4] = Math.toIntExact(rest);
                return new Layout("MLP 784-2800-2780-10 (last weights " + rest + ")", l.tensors(), sizes);
            }
            throw new IllegalArgumentException("no model layout for " + d + " parameters; choose 50890, 508810, 1987510 or 10000000");
        }
    }

    private final String experiment;
    private final Layout layout;
    private final int k;
    private final long seed;
    private final TensorVector theta0;
    private final TensorVector[] gradients = new TensorVector[POOL];
    private final TensorVector[] deltas = new TensorVector[POOL];
    private final Random random;

    SyntheticRuns(String experiment, Layout layout, int sketchSize, long randomSeed) {
        this.experiment = experiment;
        this.layout = layout;
        this.k = sketchSize;
        this.seed = CountSketch.seedFor(experiment);
        this.random = new Random(randomSeed);
        int d = Math.toIntExact(layout.d());
        float[] g = new float[k];
        float[] delta = new float[k];
        for (int i = 0; i < POOL; i++) {
            for (int j = 0; j < k; j++) {
                g[j] = (float) random.nextGaussian();
                delta[j] = -0.01f * g[j] + (float) (0.001 * random.nextGaussian());
            }
            gradients[i] = Vectors.sketch(g, d, seed);
            deltas[i] = Vectors.sketch(delta, d, seed);
        }
        float[] t0 = new float[k];
        for (int j = 0; j < k; j++) {
            t0[j] = (float) (0.05 * random.nextGaussian());
        }
        theta0 = Vectors.sketch(t0, d, seed);
    }

    String experiment() {
        return experiment;
    }

    Layout layout() {
        return layout;
    }

    /** The run-started record of {@code run}, sketch mode, SGD. */
    byte[] runStarted(String run, long eventTimeMs) {
        return WireRecords.encode(RunStarted.newBuilder().setRunId(run).setExperimentId(experiment).setEventTimeMs(eventTimeMs)
                .setParameterCount(Math.toIntExact(layout.d())).setModel(layout.name()).setOptimizer("Sgd").setDataset("synthetic")
                .setBatchSize(64).setLearningRate(0.1).setSeed(42).setVectorEncoding(Encoding.SKETCH_FLOAT32).setSketchSize(k)
                .setSketchSeed(seed).setInitialParameters(theta0)
                .setOptimizerConfig(OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.SGD).setName("Sgd"))
                .build());
    }

    /** The run-ended record of a completed run of {@code steps} steps. */
    byte[] runEnded(String run, long eventTimeMs, long steps, double finalLoss) {
        return WireRecords.encode(RunEnded.newBuilder().setRunId(run).setExperimentId(experiment).setEventTimeMs(eventTimeMs)
                .setSteps(steps).setOutcome(RunEnded.Outcome.COMPLETED).setFinalLoss(finalLoss).build());
    }

    /** A healthy loss at step {@code t}: 2/√t with 5 % relative noise (always positive). */
    double loss(long t) {
        return 2.0 / Math.sqrt(t) * Math.exp(0.05 * random.nextGaussian());
    }

    /** Step {@code t} of {@code run} with loss {@code loss} (NaN allowed: the stream's divergence evidence). */
    byte[] step(String run, long t, long eventTimeMs, double loss) {
        int i = (int) (t % POOL);
        StepScalars whole = scalars(t, 1);
        Step.Builder s = Step.newBuilder().setRunId(run).setExperimentId(experiment).setStep(t).setEventTimeMs(eventTimeMs)
                .setLoss(loss).setLearningRate(0.1).setBatchSize(64).setExamplesSeen(64L * t).setScalars(whole)
                .setGradient(gradients[i]).setDelta(deltas[i]);
        int offset = 0;
        double share = 1.0 / Math.sqrt(layout.sizes().length);
        for (int j = 0; j < layout.sizes().length; j++) {
            s.addTensors(TensorScalars.newBuilder().setName(layout.tensors()[j]).setOffset(offset).setSize(layout.sizes()[j])
                    .setScalars(scalars(t, share)));
            offset += layout.sizes()[j];
        }
        return WireRecords.encode(s.build());
    }

    private StepScalars scalars(long t, double share) {
        return StepScalars.newBuilder().setGradNorm(share * (1 + random.nextDouble())).setDeltaNorm(share * 0.01)
                .setParamNorm(share * 20).setDisplacement(share * 0.01 * Math.sqrt(t)).setGradDotDelta(-0.01 * share * share)
                .setGradDotPrevGrad(t > 1 ? 0.5 * share * share : 0).setGradDotPrevDelta(t > 1 ? -0.005 * share * share : 0)
                .build();
    }
}
